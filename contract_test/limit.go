package contracttest

import (
	"bytes"
	"fmt"
	"io"
)

// readLimited reads r up to limit bytes. over says r had more; rest then
// holds the byte read beyond the limit and the unread remainder.
func readLimited(r io.Reader, limit int64) (body []byte, rest io.Reader, over bool, err error) {
	body, err = io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return body, nil, false, err
	}
	if int64(len(body)) > limit {
		extra := body[limit:]
		return body[:limit:limit], io.MultiReader(bytes.NewReader(extra), r), true, nil
	}
	return body, nil, false, nil
}

// readBody reads rc as readLimited does and returns a body that reads the
// same bytes rc held: body alone when it is all (rc is drained, not closed),
// else body, then rest, closing rc.
func readBody(rc io.ReadCloser, limit int64) (body []byte, same io.ReadCloser, over bool, err error) {
	body, rest, over, err := readLimited(rc, limit)
	if err != nil || !over {
		return body, io.NopCloser(bytes.NewReader(body)), false, err
	}
	return body, struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), rest), rc}, true, nil
}

// tooLarge is the finding for a request's or response's body larger than
// the bound.
func (v *Validator) tooLarge(response bool) Finding {
	return Finding{Kind: KindDecode, Part: PartBody, Response: response,
		Message: fmt.Sprintf("body larger than %d bytes: not checked", v.maxBody)}
}

// checkOver checks an exchange whose bodies may have been too large to read
// whole: such a body's findings are replaced by one tooLarge finding.
func (v *Validator) checkOver(ex Exchange, reqOver, respOver bool) Result {
	if respOver {
		// A body is too large: check everything else, and say so.
		ex.ResponseBody = nil
	}
	res := v.Check(ex)
	if !reqOver && !respOver {
		return res
	}
	var kept []Finding
	for _, f := range res.Findings {
		if f.Part == PartBody && ((f.Response && respOver) || (!f.Response && reqOver)) {
			continue
		}
		kept = append(kept, f)
	}
	res.Findings = kept
	for _, response := range []bool{false, true} {
		if (response && respOver) || (!response && reqOver) {
			f := v.tooLarge(response)
			res.stamp(&f)
			res.Findings = append(res.Findings, f)
		}
	}
	return res
}
