package upvest

import "github.com/google/uuid"

var IdempotencyNamespace = uuid.Nil

func IdempotencyKeyOf(err error) (string, bool) { return "", false }

func IdempotencyKeyFor(clientID, ref string) string { return "" }

func WithIdempotencyReference(ref string) CreateOption { return func(*createOptions) {} }
