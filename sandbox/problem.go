package sandbox

import (
	"encoding/json"
	"log/slog"
	"net/http"
)

type ctxKey int

const ctxRequestID ctxKey = 0

// requestID is the upvest-request-id ServeHTTP gave r.
func requestID(r *http.Request) string {
	rid, _ := r.Context().Value(ctxRequestID).(string)
	return rid
}

// problem answers status with a problem+json body whose detail says what
// was wrong.
func (s *Sandbox) problem(w http.ResponseWriter, r *http.Request, status int, typ, detail string) {
	body, _ := json.Marshal(map[string]any{
		"type": typ, "status": status, "title": http.StatusText(status), "detail": detail, "request_id": requestID(r),
	})
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
	level := slog.LevelDebug
	if status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusNotAcceptable {
		level = slog.LevelInfo
	}
	s.log(r, level, "sandbox refused", slog.Int("status", status), slog.String("detail", detail))
}

func (s *Sandbox) log(r *http.Request, level slog.Level, msg string, attrs ...slog.Attr) {
	if s.cfg.Logger == nil {
		return
	}
	attrs = append(attrs, slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("request_id", requestID(r)))
	s.cfg.Logger.LogAttrs(r.Context(), level, msg, attrs...)
}

// writeJSON answers status with v as application/json.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, _ := json.Marshal(v)
	writeRaw(w, status, body)
}

// writeRaw answers status with body, already JSON.
func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func problemType(status int) string {
	switch status {
	case 400:
		return "bad_request"
	case 401:
		return "unauthorized"
	case 403:
		return "forbidden"
	case 404:
		return "not_found"
	case 406:
		return "not_acceptable"
	case 408:
		return "request_timeout"
	case 409:
		return "conflict"
	case 413:
		return "request_entity_too_large"
	case 422:
		return "unprocessable_entity"
	case 429:
		return "too_many_requests"
	case 500:
		return "internal_server_error"
	case 502:
		return "bad_gateway"
	case 503:
		return "service_unavailable"
	case 504:
		return "gateway_timeout"
	}
	return "error"
}
