package sandbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest/gen"
	"github.com/upvest-go/upvest/webhook"
)

// api implements the generated server interface over the sandbox's state.
type api struct{ s *Sandbox }

var _ gen.ServerInterface = (*api)(nil)

// paramError answers a parameter the generated wrapper could not parse: 404
// for a malformed id in a path (no such resource), 400 otherwise.
func (s *Sandbox) paramError(w http.ResponseWriter, r *http.Request, err error) {
	var ipf *gen.InvalidParamFormatError
	if errors.As(err, &ipf) && ipf.ParamName == "account_group_id" {
		s.problem(w, r, http.StatusNotFound, "not_found", "account_group_id is not a UUID: "+err.Error())
		return
	}
	s.problem(w, r, http.StatusBadRequest, "bad_request", err.Error())
}

func (a *api) GetAccountGroup(w http.ResponseWriter, r *http.Request, id gen.AccountGroupId) {
	g, ok := a.s.get(id)
	if !ok {
		a.s.problem(w, r, http.StatusNotFound, "not_found", "no account group "+id.String())
		return
	}
	writeJSON(w, http.StatusOK, g)
}

func (a *api) CloseAccountGroup(w http.ResponseWriter, r *http.Request, id gen.AccountGroupId) {
	blocked, found := a.s.closeGroup(id)
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
	a.list(w, r, nil, (*string)(p.Sort), p.Order, p.Offset, p.Limit)
}

func (a *api) ListUserAccountGroups(w http.ResponseWriter, r *http.Request, user gen.UserId, p gen.ListUserAccountGroupsParams) {
	u := user
	a.list(w, r, &u, (*string)(p.Sort), p.Order, p.Offset, p.Limit)
}

func (a *api) list(w http.ResponseWriter, r *http.Request, user *uuid.UUID, sortBy *string, order *gen.Order, offset *gen.Offset, limit *gen.Limit) {
	off, lim, ord := 0, 100, gen.SortOrderASC
	if offset != nil {
		off = int(*offset)
	}
	if limit != nil {
		lim = int(*limit)
	}
	if order != nil {
		ord = *order
	}
	switch {
	case sortBy != nil && *sortBy != "created_at":
		a.s.problem(w, r, http.StatusBadRequest, "bad_request", fmt.Sprintf("sort must be created_at, got %q", *sortBy))
		return
	case ord != gen.SortOrderASC && ord != gen.SortOrderDESC:
		a.s.problem(w, r, http.StatusBadRequest, "bad_request", fmt.Sprintf("order must be ASC or DESC, got %q", ord))
		return
	case off < 0:
		a.s.problem(w, r, http.StatusBadRequest, "bad_request", "offset must be ≥ 0")
		return
	case lim < 0 || lim > 1000:
		a.s.problem(w, r, http.StatusBadRequest, "bad_request", "limit must be between 0 and 1000")
		return
	}
	page, total, ok := a.s.list(user, off, lim, ord == gen.SortOrderDESC)
	if !ok {
		a.s.problem(w, r, http.StatusNotFound, "not_found", "no user "+user.String())
		return
	}
	sortName := "created_at"
	writeJSON(w, http.StatusOK, gen.AccountGroupsListResponse{
		Data: page,
		Meta: gen.ListMeta{Offset: off, Limit: lim, Count: len(page), TotalCount: total, Sort: &sortName, Order: &ord},
	})
}

// idempotencyKeyPattern is the idempotency-key pattern Upvest publishes,
// kept here as published rather than shared with the client's own check,
// so each checks the other.
var idempotencyKeyPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-5][0-9a-fA-F]{3}-?[089abAB][0-9a-fA-F]{3}-?[0-9a-fA-F]{12}$`)

// idemRecord is the first answer to an idempotency key.
type idemRecord struct {
	bodyHash [32]byte
	status   int
	answer   []byte
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
	body, _ := io.ReadAll(r.Body)
	hash := sha256.Sum256(body)
	idemKey := s.clientID + "\x00" + key
	// One lock span from the key lookup to the record: two racing attempts
	// with one key create one group.
	s.mu.Lock()
	if rec, seen := s.idem[idemKey]; seen {
		s.mu.Unlock()
		if rec.bodyHash != hash {
			s.problem(w, r, http.StatusUnprocessableEntity, "unprocessable_entity", "idempotency-key "+key+" was already used with a different request body")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.answer)
		return
	}
	var req gen.AccountGroupCreateRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		s.mu.Unlock()
		s.problem(w, r, http.StatusBadRequest, "bad_request", "body is not an account group create request: "+err.Error())
		return
	}
	if req.UserId == uuid.Nil || !req.Type.Valid() {
		s.mu.Unlock()
		s.problem(w, r, http.StatusBadRequest, "bad_request", "user_id (a UUID) and type (PERSONAL or LEGAL_ENTITY) are required")
		return
	}
	g, ok := s.create(req.UserId, req.Type)
	if !ok {
		s.mu.Unlock()
		s.problem(w, r, http.StatusNotFound, "not_found", "no user "+req.UserId.String())
		return
	}
	answer, _ := json.Marshal(g)
	s.idem[idemKey] = idemRecord{bodyHash: hash, status: http.StatusOK, answer: answer}
	s.mu.Unlock()
	if s.loseAnswer() {
		dropConnection(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(answer)
}

func (a *api) RequestToken(w http.ResponseWriter, r *http.Request) {
	// Served before routing reaches the generated handler; see serveToken.
	a.s.problem(w, r, http.StatusInternalServerError, "internal_server_error", "token route reached the API handler")
}

func (a *api) GetWebhookVerifyKeys(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, gen.JWKS{Keys: []gen.JWK{webhook.JWK(a.s.hooks.keyID, a.s.hooks.pub())}})
}
