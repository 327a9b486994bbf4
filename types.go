package upvest

import "github.com/upvest-go/upvest/gen"

// The API's models are the generated ones (package gen), under shorter names.
// They are type aliases, and `go doc` shows an alias's fields only under
// the type it names (`go doc github.com/upvest-go/upvest/gen.AccountGroup`),
// so each alias below lists them in its own doc (a test keeps the lists
// complete). Field names follow Go's initialisms (ID, UserID); ids are
// uuid.UUID values (github.com/google/uuid) as the document declares them,
// and the facade's methods take them as such. The enumerations are the
// generated string types with the document's values as constants; values a
// newer API adds decode without error and report Valid() false, and the
// methods refuse a value that is not Valid before sending anything.
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
	// AccountGroupStatus is an account group's lifecycle state; Valid
	// tells the document's values from others.
	AccountGroupStatus = gen.AccountGroupStatus
	// AccountGroupType says whose assets an account group holds; Valid
	// tells the document's values from others.
	AccountGroupType = gen.AccountGroupType
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
	SortOrder = gen.SortOrder
	// UserRelationType is a user's relation to an account group
	// (RelationOwner).
	UserRelationType = gen.UserRelationType
)

// The enumerations' values, as the document lists them.
const (
	// RelationOwner: the user owns the group.
	RelationOwner = gen.UserRelationTypeOwner

	// StatusPendingApproval: the group awaits approval.
	StatusPendingApproval = gen.AccountGroupStatusPendingApproval
	// StatusActive: the group can be used.
	StatusActive = gen.AccountGroupStatusActive
	// StatusClosing: a close was accepted and is under way.
	StatusClosing = gen.AccountGroupStatusClosing
	// StatusClosed: the group is closed, for good.
	StatusClosed = gen.AccountGroupStatusClosed
	// StatusLocked: the group is locked.
	StatusLocked = gen.AccountGroupStatusLocked

	// TypePersonal: a person holding assets on their own behalf.
	TypePersonal = gen.AccountGroupTypePersonal
	// TypeLegalEntity: a legal entity holding assets on behalf of its users.
	TypeLegalEntity = gen.AccountGroupTypeLegalEntity

	// Ascending: oldest first (ASC).
	Ascending = gen.SortOrderAscending
	// Descending: newest first (DESC).
	Descending = gen.SortOrderDescending
)
