package webhook

import (
	"errors"

	"github.com/upvest-go/upvest/internal/httpsig"
)

// Why a delivery was refused. Verifier.Verify returns an error that
// errors.Is matches with exactly one of these; Handler answers 401 for the
// signature ones, 400 for ErrMalformedBody, 413 for ErrTooLarge.
var (
	ErrUnsigned           = httpsig.ErrUnsigned      // no signature or signature-input
	ErrMalformedSignature = httpsig.ErrMalformed     // signature headers do not parse
	ErrUnknownKey         = httpsig.ErrUnknownKey    // keyid not among the keys, even after a refetch
	ErrNotCovered         = httpsig.ErrNotCovered    // method, path, content type or digest not covered
	ErrMissingComponent   = httpsig.ErrMissing       // a covered component is absent
	ErrBadSignature       = httpsig.ErrBadSignature  // the signature does not verify
	ErrDigest             = httpsig.ErrDigest        // the body does not match its digest
	ErrDigestMissing      = httpsig.ErrDigestMissing // no digest header
	ErrExpired            = httpsig.ErrExpired       // past expires
	ErrFuture             = httpsig.ErrFuture        // created too far in the future
	ErrTooOld             = httpsig.ErrStale         // created too far in the past
	ErrNoTimestamps       = httpsig.ErrNoTime        // created or expires missing
	ErrUnsupportedKey     = httpsig.ErrUnsupportedKey

	ErrReplay        = errors.New("webhook: delivery already accepted (a replay)") // the same signed delivery, within the time it can verify
	ErrTooLarge      = errors.New("webhook: body over the size limit")
	ErrMalformedBody = errors.New("webhook: body is not an event envelope")
	ErrMethod        = errors.New("webhook: deliveries are POST requests")
)

// ErrConfig reports a Handler or Verifier that cannot work: NewHandler
// panics with an error matching it (a nil or keyless Verifier, a nil
// store, a lease that is not positive, …), and a nil or keyless Verifier
// refuses every delivery with it.
var ErrConfig = errors.New("webhook: invalid configuration")
