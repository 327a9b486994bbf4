package enum

import "slices"

// AccountGroupEventType is the type of an ACCOUNT_GROUP.* webhook event.
type AccountGroupEventType struct {
	_ [0]*AccountGroupEventType // its own underlying type: no conversion from another enumeration
	name
}

// Account group event types.
var (
	// AccountGroupCreated: ACCOUNT_GROUP.CREATED.
	AccountGroupCreated AccountGroupEventType = AccountGroupEventType{name: named("ACCOUNT_GROUP.CREATED")}
	// AccountGroupActivated: ACCOUNT_GROUP.ACTIVATED.
	AccountGroupActivated AccountGroupEventType = AccountGroupEventType{name: named("ACCOUNT_GROUP.ACTIVATED")}
	// AccountGroupClosingInitiated: ACCOUNT_GROUP.CLOSING_INITIATED.
	AccountGroupClosingInitiated AccountGroupEventType = AccountGroupEventType{name: named("ACCOUNT_GROUP.CLOSING_INITIATED")}
	// AccountGroupClosed: ACCOUNT_GROUP.CLOSED.
	AccountGroupClosed AccountGroupEventType = AccountGroupEventType{name: named("ACCOUNT_GROUP.CLOSED")}
	// AccountGroupLocked: ACCOUNT_GROUP.LOCKED.
	AccountGroupLocked AccountGroupEventType = AccountGroupEventType{name: named("ACCOUNT_GROUP.LOCKED")}
)

// AccountGroupEventTypes returns the known event types.
func AccountGroupEventTypes() []AccountGroupEventType {
	return []AccountGroupEventType{AccountGroupCreated, AccountGroupActivated, AccountGroupClosingInitiated, AccountGroupClosed, AccountGroupLocked}
}

// Valid reports whether e is one of AccountGroupEventTypes.
func (e AccountGroupEventType) Valid() bool { return slices.Contains(AccountGroupEventTypes(), e) }

// Equal reports whether e and u are the same value (==); go-cmp uses it,
// as it cannot look into the unexported field.
func (e AccountGroupEventType) Equal(u AccountGroupEventType) bool { return e == u }
