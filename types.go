package upvest

import "github.com/upvest-go/upvest/gen"

// The API's models are the generated ones (package gen), under shorter names.
// They are type aliases, so `go doc` shows their fields under package gen,
// not here (`go doc github.com/upvest-go/upvest/gen.AccountGroup`). Field
// names follow Go's initialisms (ID, UserID); ids are uuid.UUID values
// (github.com/google/uuid) as the document declares them. Unknown enum values
// (newer API versions add some) decode without error: compare against the
// constants and treat anything else as unknown.
type (
	// AccountGroup is an account group as the API returns it.
	AccountGroup = gen.AccountGroup
	// AccountGroupUser is one user of an account group and their relation.
	AccountGroupUser = gen.AccountGroupUser
	// AccountGroupStatus is an account group's lifecycle state.
	AccountGroupStatus = gen.AccountGroupStatus
	// AccountGroupType says whose assets an account group holds.
	AccountGroupType = gen.AccountGroupType
	// AccountGroupPage is one page of a list: the groups and the meta.
	AccountGroupPage = gen.AccountGroupsListResponse
	// ListMeta describes a page: offset, limit, count, total_count, sort, order.
	ListMeta = gen.ListMeta
	// SortOrder is ASC or DESC.
	SortOrder = gen.SortOrder
	// UserRelationType is a user's relation to an account group (OWNER).
	UserRelationType = gen.UserRelationType
)

// User relations.
const (
	RelationOwner = gen.UserRelationTypeOWNER
)

// Account group statuses.
const (
	StatusPendingApproval = gen.AccountGroupStatusPENDINGAPPROVAL
	StatusActive          = gen.AccountGroupStatusACTIVE
	StatusClosing         = gen.AccountGroupStatusCLOSING
	StatusClosed          = gen.AccountGroupStatusCLOSED
	StatusLocked          = gen.AccountGroupStatusLOCKED
)

// Account group types.
const (
	TypePersonal    = gen.AccountGroupTypePERSONAL
	TypeLegalEntity = gen.AccountGroupTypeLEGALENTITY
)

// Sort orders.
const (
	Ascending  = gen.SortOrderASC
	Descending = gen.SortOrderDESC
)
