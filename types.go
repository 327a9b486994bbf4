package upvest

import (
	"github.com/upvest-go/upvest/enum"
	"github.com/upvest-go/upvest/gen"
)

// The API's models are the generated ones (package gen), under shorter names.
// They are type aliases, and `go doc` shows an alias's fields only under
// the type it names (`go doc github.com/upvest-go/upvest/gen.AccountGroup`),
// so each alias below lists them in its own doc (a test keeps the lists
// complete). Field names follow Go's initialisms (ID, UserID); ids are
// uuid.UUID values (github.com/google/uuid) as the document declares them,
// and the facade's methods take them as such. The enumerations are package
// enum's types (their methods show under `go doc
// github.com/upvest-go/upvest/enum`): a string literal does not convert to
// them, and unknown values (newer API versions add some) decode without
// error, keeping their text; Valid tells them from the known ones.
type (
	// AccountGroup is an account group as the API returns it. Fields:
	//	ID                      uuid.UUID
	//	Type                    AccountGroupType
	//	Status                  AccountGroupStatus
	//	SecuritiesAccountNumber string // 9 digits
	//	Users                   []AccountGroupUser
	//	CreatedAt, UpdatedAt    time.Time
	AccountGroup = gen.AccountGroup
	// AccountGroupUser is one user of an account group and their relation.
	// Fields:
	//	ID   uuid.UUID        // the user's id
	//	Type UserRelationType // RelationOwner
	AccountGroupUser = gen.AccountGroupUser
	// AccountGroupStatus is an account group's lifecycle state: String,
	// Valid, IsZero, UnmarshalText (see package enum).
	AccountGroupStatus = enum.AccountGroupStatus
	// AccountGroupType says whose assets an account group holds: String,
	// Valid, IsZero, UnmarshalText (see package enum).
	AccountGroupType = enum.AccountGroupType
	// AccountGroupPage is one page of a list. Fields:
	//	Data []AccountGroup
	//	Meta ListMeta
	AccountGroupPage = gen.AccountGroupsListResponse
	// ListMeta describes a page. Fields:
	//	Offset, Limit, Count, TotalCount int
	//	Sort  string    // the field sorted by, as the API reports it
	//	Order SortOrder // Ascending or Descending
	ListMeta = gen.ListMeta
	// SortOrder is Ascending (ASC) or Descending (DESC).
	SortOrder = enum.SortOrder
	// UserRelationType is a user's relation to an account group
	// (RelationOwner).
	UserRelationType = enum.UserRelationType
)

// The enumerations' values, as in package enum (variables: a struct
// cannot be a constant). A string literal does not convert to these types.
var (
	// RelationOwner: the user owns the group.
	RelationOwner = enum.RelationOwner

	// StatusPendingApproval: the group awaits approval.
	StatusPendingApproval = enum.StatusPendingApproval
	// StatusActive: the group can be used.
	StatusActive = enum.StatusActive
	// StatusClosing: a close was accepted and is under way.
	StatusClosing = enum.StatusClosing
	// StatusClosed: the group is closed, for good.
	StatusClosed = enum.StatusClosed
	// StatusLocked: the group is locked.
	StatusLocked = enum.StatusLocked

	// TypePersonal: a person holding assets on their own behalf.
	TypePersonal = enum.TypePersonal
	// TypeLegalEntity: a legal entity holding assets on behalf of its users.
	TypeLegalEntity = enum.TypeLegalEntity

	// Ascending: oldest first (ASC).
	Ascending = enum.Ascending
	// Descending: newest first (DESC).
	Descending = enum.Descending
)
