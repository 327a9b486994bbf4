package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest/gen"
)

// AccountGroupEvent is an ACCOUNT_GROUP.* event with its typed account
// group. It is an alias, whose fields `go doc` shows only under gen:
//
//	ID        uuid.UUID         // the event's id
//	Type      EventType         // AccountGroupCreated, ...
//	CreatedAt time.Time
//	WebhookID uuid.UUID
//	Object    gen.AccountGroup  // the group after the change (upvest.AccountGroup)
type AccountGroupEvent = gen.AccountGroupEvent

// EventType is an account-group event type. Newer API versions may add
// types: an unknown ACCOUNT_GROUP.* type goes to the unknown-event callback.
type EventType = gen.AccountGroupEventType

// Account-group event types, as the document lists them.
const (
	// AccountGroupCreated: ACCOUNT_GROUP.CREATED.
	AccountGroupCreated = gen.AccountGroupEventTypeCreated
	// AccountGroupActivated: ACCOUNT_GROUP.ACTIVATED.
	AccountGroupActivated = gen.AccountGroupEventTypeActivated
	// AccountGroupClosingInitiated: ACCOUNT_GROUP.CLOSING_INITIATED.
	AccountGroupClosingInitiated = gen.AccountGroupEventTypeClosingInitiated
	// AccountGroupClosed: ACCOUNT_GROUP.CLOSED.
	AccountGroupClosed = gen.AccountGroupEventTypeClosed
	// AccountGroupLocked: ACCOUNT_GROUP.LOCKED.
	AccountGroupLocked = gen.AccountGroupEventTypeLocked
)

// RawEvent is any event as delivered, its object undecoded.
type RawEvent struct {
	ID        uuid.UUID       `json:"id"`
	CreatedAt time.Time       `json:"created_at"`
	Type      string          `json:"type"`
	WebhookID uuid.UUID       `json:"webhook_id"`
	Object    json.RawMessage `json:"object"`
}

// DecodeEvents decodes a delivery body: the bundled {"payload":[…]} envelope
// or a single bare event. Every event needs an id, a type, created_at and an
// object; anything else is ErrMalformedBody.
func DecodeEvents(body []byte) ([]RawEvent, error) {
	var probe struct {
		Payload *[]json.RawMessage `json:"payload"`
		Type    *string            `json:"type"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedBody, err)
	}
	var items []json.RawMessage
	switch {
	case probe.Payload != nil:
		items = *probe.Payload
	case probe.Type != nil:
		items = []json.RawMessage{body}
	default:
		return nil, fmt.Errorf("%w: neither a {\"payload\":[…]} envelope nor an event", ErrMalformedBody)
	}
	events := make([]RawEvent, 0, len(items))
	for i, item := range items {
		var ev RawEvent
		if err := json.Unmarshal(item, &ev); err != nil {
			return nil, fmt.Errorf("%w: event %d: %v", ErrMalformedBody, i, err)
		}
		obj := bytes.TrimSpace(ev.Object)
		switch {
		case ev.ID == uuid.Nil:
			return nil, fmt.Errorf("%w: event %d has no id", ErrMalformedBody, i)
		case ev.Type == "":
			return nil, fmt.Errorf("%w: event %d has no type", ErrMalformedBody, i)
		case ev.CreatedAt.IsZero():
			return nil, fmt.Errorf("%w: event %d has no created_at", ErrMalformedBody, i)
		case len(obj) == 0 || obj[0] != '{':
			return nil, fmt.Errorf("%w: event %d has no object", ErrMalformedBody, i)
		}
		events = append(events, ev)
	}
	return events, nil
}

// accountGroupType returns t as a known account-group event type; ok is
// false for any other type.
func accountGroupType(t string) (et EventType, ok bool) {
	et = EventType(t)
	return et, strings.HasPrefix(t, "ACCOUNT_GROUP.") && et.Valid()
}

// AccountGroup decodes ev as an account-group event; ok is false for other
// or unknown types.
func (ev RawEvent) AccountGroup() (e AccountGroupEvent, ok bool, err error) {
	typ, ok := accountGroupType(ev.Type)
	if !ok {
		return e, false, nil
	}
	var g gen.AccountGroup
	if err := json.Unmarshal(ev.Object, &g); err != nil {
		return e, true, fmt.Errorf("%w: event %s: account group: %v", ErrMalformedBody, ev.ID, err)
	}
	if g.ID == uuid.Nil {
		return e, true, fmt.Errorf("%w: event %s: account group without id", ErrMalformedBody, ev.ID)
	}
	return AccountGroupEvent{ID: ev.ID, CreatedAt: ev.CreatedAt, Type: typ, WebhookID: ev.WebhookID, Object: g}, true, nil
}
