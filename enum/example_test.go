package enum_test

import (
	"encoding/json"
	"fmt"

	"github.com/upvest-go/upvest/enum"
)

// Values compare with == and switch; text from elsewhere (a flag, a
// database column) goes through UnmarshalText and Valid.
func ExampleAccountGroupStatus() {
	var g struct {
		Status enum.AccountGroupStatus `json:"status"`
	}
	for _, body := range []string{`{"status":"ACTIVE"}`, `{"status":"DORMANT"}`} {
		if err := json.Unmarshal([]byte(body), &g); err != nil {
			panic(err)
		}
		switch g.Status {
		case enum.StatusActive:
			fmt.Println("usable")
		case enum.StatusClosing, enum.StatusClosed:
			fmt.Println("going or gone")
		default:
			fmt.Println(g.Status, "known:", g.Status.Valid())
		}
	}

	var typ enum.AccountGroupType
	_ = typ.UnmarshalText([]byte("LEGAL_ENTITY"))
	fmt.Println(typ == enum.TypeLegalEntity, typ.Valid())
	// Output:
	// usable
	// DORMANT known: false
	// true true
}
