package sandbox

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest/gen"
)

// api implements the generated server interface over the sandbox's state:
// the generated handler routes each request (router.go), its wrapper
// parses the parameters, the middleware admits the call (admit) and then
// these methods run. RequestToken is in auth.go,
// GetWebhookVerifyKeys in webhooks.go.
type api struct{ s *Sandbox }

var _ gen.ServerInterface = (*api)(nil)

// paramError answers a parameter the generated wrapper could not parse,
// once the call is admitted (the wrapper parses before its middleware runs,
// and a call that would be refused is refused first): 404 for a malformed
// id in a path (no such resource; the document lists no 400 for the
// operations on one group), 400 otherwise.
func (s *Sandbox) paramError(w http.ResponseWriter, r *http.Request, err error) {
	s.admit(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.refuseParam(w, r, err) })).ServeHTTP(w, r)
}

func (s *Sandbox) refuseParam(w http.ResponseWriter, r *http.Request, err error) {
	var ipf *gen.InvalidParamFormatError
	if errors.As(err, &ipf) && ipf.ParamName == "account_group_id" {
		s.problem(w, r, http.StatusNotFound, "not_found", "account_group_id is not a UUID: "+err.Error())
		return
	}
	s.problem(w, r, http.StatusBadRequest, "bad_request", err.Error())
}

func (a *api) GetAccountGroup(w http.ResponseWriter, r *http.Request, id gen.AccountGroupID) {
	g, ok := a.s.store.get(id)
	if !ok {
		a.s.problem(w, r, http.StatusNotFound, "not_found", "no account group "+id.String())
		return
	}
	writeJSON(w, http.StatusOK, g)
}

func (a *api) CloseAccountGroup(w http.ResponseWriter, r *http.Request, id gen.AccountGroupID) {
	blocked, found := a.s.startClosing(id)
	switch {
	case !found:
		a.s.problem(w, r, http.StatusNotFound, "not_found", "no account group "+id.String())
	case blocked != "":
		a.s.problem(w, r, http.StatusConflict, "conflict", fmt.Sprintf("account group %s is %s: only an ACTIVE group can be closed", id, blocked))
	default:
		w.WriteHeader(http.StatusAccepted)
	}
}

func (a *api) ListAccountGroups(w http.ResponseWriter, r *http.Request, p gen.ListAccountGroupsParams) {
	a.list(w, r, nil, value(p.Sort), value(p.Order), int(value(p.Offset)), int(value(p.Limit)))
}

func (a *api) ListUserAccountGroups(w http.ResponseWriter, r *http.Request, user gen.UserID, p gen.ListUserAccountGroupsParams) {
	u := user
	a.list(w, r, &u, value(p.Sort), value(p.Order), int(value(p.Offset)), int(value(p.Limit)))
}

// value is *p, or the zero value for an absent parameter.
func value[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// list answers a page; zero parameters are absent ones: sort created_at,
// order ASC, offset 0, limit 100 (a limit of 0 asks for the default).
func (a *api) list(w http.ResponseWriter, r *http.Request, user *uuid.UUID, sortBy gen.Sort, ord gen.Order, off, lim int) {
	for _, name := range []string{"sort", "order"} {
		// The generated binding takes the first of repeated values of a
		// string parameter (offset and limit it refuses): refuse here.
		if n := len(r.URL.Query()[name]); n > 1 {
			a.s.problem(w, r, http.StatusBadRequest, "bad_request", fmt.Sprintf("%s is a single value, given %d times", name, n))
			return
		}
	}
	if ord == "" {
		ord = gen.SortOrderAscending
	}
	if lim == 0 {
		lim = 100
	}
	switch {
	case sortBy != "" && sortBy != gen.SortFieldCreatedAt:
		a.s.problem(w, r, http.StatusBadRequest, "bad_request", fmt.Sprintf("sort must be created_at, got %q", sortBy))
		return
	case !ord.Valid():
		a.s.problem(w, r, http.StatusBadRequest, "bad_request", fmt.Sprintf("order must be ASC or DESC, got %q", ord))
		return
	case off < 0:
		a.s.problem(w, r, http.StatusBadRequest, "bad_request", "offset must be ≥ 0")
		return
	case lim < 0 || lim > 1000:
		a.s.problem(w, r, http.StatusBadRequest, "bad_request", "limit must be between 0 and 1000")
		return
	}
	page, total, ok := a.s.store.list(user, off, lim, ord == gen.SortOrderDescending)
	if !ok {
		a.s.problem(w, r, http.StatusNotFound, "not_found", "no user "+user.String())
		return
	}
	writeJSON(w, http.StatusOK, gen.AccountGroupsListResponse{
		Data: page,
		Meta: gen.ListMeta{Offset: off, Limit: lim, Count: len(page), TotalCount: total, Sort: string(gen.SortFieldCreatedAt), Order: ord},
	})
}

// idempotencyKeyPattern is the idempotency-key pattern Upvest publishes,
// kept here as published rather than shared with the client's own check,
// so each checks the other.
var idempotencyKeyPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-5][0-9a-fA-F]{3}-?[089abAB][0-9a-fA-F]{3}-?[0-9a-fA-F]{12}$`)

// createRequest is the document's AccountGroupCreateRequest, read so that a
// missing property can be told from a zero one. The schema does not forbid
// other properties, so they are ignored.
type createRequest struct {
	UserID *string               `json:"user_id"`
	Type   *gen.AccountGroupType `json:"type"`
}

func (a *api) CreateAccountGroup(w http.ResponseWriter, r *http.Request) {
	s := a.s
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		s.problem(w, r, http.StatusBadRequest, "bad_request", "idempotency-key header is required on POST /account_groups")
		return
	}
	if !idempotencyKeyPattern.MatchString(key) {
		s.problem(w, r, http.StatusBadRequest, "bad_request", fmt.Sprintf("idempotency-key %q does not match Upvest's pattern %s", key, idempotencyKeyPattern))
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		s.problem(w, r, http.StatusBadRequest, "bad_request", fmt.Sprintf("content-type must be application/json, got %q", r.Header.Get("Content-Type")))
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req createRequest
	if err := json.Unmarshal(body, &req); err != nil {
		s.problem(w, r, http.StatusBadRequest, "bad_request", "body is not an account group create request: "+err.Error())
		return
	}
	var user uuid.UUID
	var err error
	switch {
	case req.UserID == nil || req.Type == nil:
		s.problem(w, r, http.StatusBadRequest, "bad_request", "user_id and type are required")
		return
	case !req.Type.Valid():
		s.problem(w, r, http.StatusBadRequest, "bad_request", fmt.Sprintf("type must be PERSONAL or LEGAL_ENTITY, got %q", *req.Type))
		return
	}
	if user, err = uuid.Parse(*req.UserID); err != nil || len(*req.UserID) != 36 {
		s.problem(w, r, http.StatusBadRequest, "bad_request", fmt.Sprintf("user_id %q is not a UUID", *req.UserID))
		return
	}
	answer, out := s.create(s.auth.clientID+"\x00"+key, sha256.Sum256(body), user, *req.Type)
	switch out {
	case keyReused:
		s.problem(w, r, http.StatusUnprocessableEntity, "unprocessable_entity", "idempotency-key "+key+" was already used with a different request body")
		return
	case unknownUser:
		s.problem(w, r, http.StatusNotFound, "not_found", "no user "+user.String())
		return
	case created:
		if s.faults.loseAnswer() {
			dropConnection(w)
			return
		}
	}
	writeRaw(w, http.StatusOK, answer)
}
