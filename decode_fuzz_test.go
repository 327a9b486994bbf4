package upvest

import (
	"errors"
	"net/http"
	"testing"

	"github.com/upvest-go/upvest/internal/routes"
)

// FuzzDecodeAnswer feeds arbitrary answers (status, content type, body) to
// the decoder: it returns a typed error carrying the status, or a complete
// account group (with an id, its findings aside); never a panic. Seeds: testdata/fuzz/FuzzDecodeAnswer.
func FuzzDecodeAnswer(f *testing.F) {
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		if status < 100 || status > 999 {
			return
		}
		ans := &answer{status: status, header: http.Header{"Content-Type": {contentType}, "Upvest-Request-Id": {"rid"}}, body: body}
		g := new(AccountGroup)
		err := decode(&call{op: routes.Lookup(http.MethodGet, "/account_groups/x"), path: "/account_groups/x"}, ans, http.StatusOK, &group{g}, false)
		if err == nil {
			if fatal, _ := checkGroup(g, "", nil); status != 200 || fatal != "" {
				t.Fatalf("accepted status %d with group %+v", status, g)
			}
			return
		}
		var apiErr *APIError
		var respErr *ResponseError
		switch {
		case errors.As(err, &apiErr):
			if apiErr.StatusCode != status || apiErr.HeaderRequestID != "rid" || status < 400 {
				t.Fatalf("APIError %+v for status %d", apiErr, status)
			}
		case errors.As(err, &respErr):
			if respErr.StatusCode != status || respErr.RequestID != "rid" {
				t.Fatalf("ResponseError %+v for status %d", respErr, status)
			}
		default:
			t.Fatalf("untyped error %T: %v", err, err)
		}
		_ = err.Error()
	})
}
