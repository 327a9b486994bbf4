package main

import (
	"context"
	"io"
	"log/slog"
)

// attemptLogger writes one line per HTTP attempt to w, as logfmt after
// "upvest: ": method, path, status, attempt, request_id, duration (and
// error when the attempt got no answer). The client logs attempts at
// debug level and retries at info level; only attempts are kept.
func attemptLogger(w io.Writer) *slog.Logger {
	h := slog.NewTextHandler(prefixWriter{w}, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.MessageKey) {
				return slog.Attr{}
			}
			return a
		},
	})
	return slog.New(attemptsOnly{h})
}

// attemptsOnly passes the debug-level records (the client's attempts).
type attemptsOnly struct{ slog.Handler }

func (h attemptsOnly) Enabled(_ context.Context, l slog.Level) bool { return l == slog.LevelDebug }

func (h attemptsOnly) Handle(ctx context.Context, r slog.Record) error {
	if r.Level != slog.LevelDebug {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h attemptsOnly) WithAttrs(as []slog.Attr) slog.Handler {
	return attemptsOnly{h.Handler.WithAttrs(as)}
}

func (h attemptsOnly) WithGroup(name string) slog.Handler {
	return attemptsOnly{h.Handler.WithGroup(name)}
}

// prefixWriter starts every write (a whole line from slog) with "upvest: ".
type prefixWriter struct{ w io.Writer }

func (p prefixWriter) Write(b []byte) (int, error) {
	if _, err := p.w.Write(append([]byte("upvest: "), b...)); err != nil {
		return 0, err
	}
	return len(b), nil
}
