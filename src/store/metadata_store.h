// MetadataStore: the records of Girder's data model that Tessera keeps — users and their
// tokens, collections, folders, items, files, resumable uploads, jobs and persisted thumbnails.
// SQLite is the embedded default (sqlite_store.cc); PostgreSQL implements the same interface
// for several nodes. The store holds records only: file content lives in the Assetstore
// (assetstore.h) or, for imported files, where it was found.
//
// Access (Girder's model): collections and folders carry an AccessList (public flag + per-user
// levels); an item has no list of its own and is governed by its folder's. A new folder starts
// with a copy of its parent's list (SetFolderAccess with recurse passes a change down), so
// folders pass grants to what they hold. List queries take an AccessFilter so that limit/offset
// count only what the caller may see.
//
// Ids are Girder-style 24-hex ObjectIds assigned by the store when a new record's id is empty
// (a caller may pre-assign one from NewObjectId()). Timestamps are Unix ms; a zero created_ms /
// updated_ms on create means "now", and updates set updated_ms to now.
// Errors: NotFound for a missing record ("Invalid item id (…)." as Girder says),
// AlreadyExists for a duplicate unique key, InvalidArgument for a malformed id.
// Thread-safety: implementations are safe to call from any thread; several processes may use
// one database at once (SQLite: WAL and a busy timeout).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace tessera {

// Girder's AccessType values.
enum class AccessLevel : int { kNone = -1, kRead = 0, kWrite = 1, kAdmin = 2 };

struct AccessGrant {
  std::string user_id;
  AccessLevel level = AccessLevel::kRead;
};

struct AccessList {
  bool is_public = false;          // anonymous users and everyone get READ
  std::vector<AccessGrant> users;  // at most one grant per user
};

// Who is asking, for list queries: everything (admins, the CLI), or what `user_id` (empty:
// anonymous) may see at `level` or above (public resources count as READ).
struct AccessFilter {
  bool all = false;
  std::string user_id;
  AccessLevel level = AccessLevel::kRead;

  static AccessFilter All() { return AccessFilter{true, "", AccessLevel::kRead}; }
};

// Paging, search and order for lists. `sort` is a field name ("name", "created", "updated",
// "size", "lowerName"); unknown fields are InvalidArgument (each list names the fields it
// takes: collections and folders have no "size"; users sort by "login", "email", "firstName",
// "lastName", "created", with "name"/"lowerName" meaning login). Ties break on id, in the same
// direction.
struct ListQuery {
  int limit = 50;  // 0: no limit
  int offset = 0;
  std::string text;  // case-insensitive substring of the name (and login/email for users)
  std::string name;  // exact name
  std::string sort = "name";
  bool descending = false;
};

struct UserRecord {
  std::string id;
  std::string login;  // unique, stored lower-case
  std::string email;  // unique, stored lower-case
  std::string first_name;
  std::string last_name;
  std::string password_hash;  // passwords.h (argon2id); empty: cannot log in with a password
  bool admin = false;
  int64_t created_ms = 0;
};

// Girder's user_quota policy of one user (GET/PUT /user/{id}/quota); EffectiveFileSizeQuota
// below turns it into the limit that applies.
struct QuotaPolicy {
  // The user's own limit in bytes (>= 0); nullopt: none.
  std::optional<int64_t> file_size_quota;
  // The server's default quota (user-quota-bytes) applies instead of file_size_quota.
  bool use_quota_default = true;
};

// A change to a QuotaPolicy: what is set changes, the rest keeps its value.
struct QuotaPolicyChange {
  bool set_file_size_quota = false;  // file_size_quota below is the new value (nullopt: none)
  std::optional<int64_t> file_size_quota;
  std::optional<bool> use_quota_default;
};

// The limit that applies to a user's files and uploads in progress, in bytes; nullopt: no limit.
// As Girder's user_quota: with use_quota_default the server default (`default_bytes`, 0: none),
// else the user's own file_size_quota (none: no limit). Tessera's one difference: admins are
// exempt from the default, but an own quota binds them too (an administrator set it on purpose).
std::optional<int64_t> EffectiveFileSizeQuota(const QuotaPolicy& policy, bool admin,
                                              int64_t default_bytes);

// CreateUpload's quota check, made in the transaction that inserts the upload, so that uploads
// started at the same instant cannot together pass the quota.
struct UploadQuotaCheck {
  int64_t default_bytes = 0;  // the server's default quota (user-quota-bytes); 0: none
  // Set by CreateUpload when it refused the upload for the quota (the status is then
  // ResourceExhausted): the limit that applied and what the user had in use before it.
  bool exceeded = false;
  int64_t limit = 0;
  int64_t used = 0;
};

struct TokenRecord {
  std::string token;  // 64 random characters (the secret itself)
  std::string user_id;
  int64_t created_ms = 0;
  int64_t expires_ms = 0;
};

enum class ParentType { kCollection, kFolder, kUser };
std::string_view ParentTypeName(ParentType t);  // "collection", "folder", "user"
// "collection" / "folder" / "user" → the type; InvalidArgument otherwise.
StatusOr<ParentType> ParseParentType(std::string_view name);

struct CollectionRecord {
  std::string id;
  std::string name;  // unique
  std::string description;
  std::string creator_id;
  AccessList access;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

struct FolderRecord {
  std::string id;
  std::string name;  // unique among its parent's folders
  std::string description;
  ParentType parent_type = ParentType::kCollection;
  std::string parent_id;
  // The collection or user at the top of the folder's chain (Girder's baseParentType/Id).
  ParentType base_parent_type = ParentType::kCollection;
  std::string base_parent_id;
  std::string creator_id;
  AccessList access;
  std::string meta_json = "{}";
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

struct ItemRecord {
  std::string id;
  std::string name;
  std::string description;
  std::string folder_id;
  std::string creator_id;
  int64_t size = 0;  // the sum of its files' sizes
  std::string meta_json = "{}";
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  // Large image state (Girder's item.largeImage): the file that is tiled and the format that
  // opened it ("tiff", "openslide", "vips"); both empty when the item is not a large image.
  std::string large_image_file_id;
  std::string source_name;
  // A conversion job making the large image (POST /item/{id}/tiles); empty when none.
  std::string large_image_job_id;
  // Filled by the store on reads: the absolute path of the large image file (empty when none).
  std::string path;
};

struct FileRecord {
  std::string id;
  std::string item_id;
  std::string name;
  std::string mime_type;
  int64_t size = 0;
  std::string sha512;     // hex; empty for imported files (not read at import)
  std::string path;       // absolute path of the content
  bool imported = false;  // registered in place: never deleted from disk by Tessera
  std::string creator_id;
  int64_t created_ms = 0;
};

// A resumable upload in progress: its bytes go to `temp_path` until `received == size`.
struct UploadRecord {
  std::string id;
  std::string user_id;
  // Girder's parentType: "folder" (a new item named after the upload is made on completion)
  // or "item" (the file is added to that item).
  bool parent_is_item = false;
  std::string parent_id;
  std::string name;
  std::string mime_type;
  int64_t size = 0;
  int64_t received = 0;
  std::string temp_path;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

// Girder's JobStatus values.
enum class JobStatus : int {
  kInactive = 0,
  kQueued = 1,
  kRunning = 2,
  kSuccess = 3,
  kError = 4,
  kCanceled = 5
};

struct JobRecord {
  std::string id;
  std::string type;  // "large_image_tiff"
  std::string title;
  std::string user_id;
  std::string item_id;
  JobStatus status = JobStatus::kInactive;
  double progress_current = 0;
  double progress_total = 0;
  std::string progress_message;
  std::string log;  // appended lines
  std::string kwargs_json = "{}";
  // The node running it (JobRunner's node_name), so that a node restarting interrupts only its
  // own jobs; "" for jobs recorded before nodes were (SQLite schema v2, PostgreSQL v1).
  std::string node;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

// A persisted derived image of an item (thumbnails, associated images): generated once and
// served from disk afterwards (large_image's "isLargeImageThumbnail" files).
struct ThumbnailRecord {
  std::string item_id;
  std::string key;  // canonical request key
  std::string content_type;
  std::string path;  // absolute path of the bytes
  int64_t size = 0;
  int64_t created_ms = 0;
};

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // --- users and tokens
  // AlreadyExists when the login or email is taken ("That login is already registered.").
  virtual StatusOr<UserRecord> CreateUser(UserRecord user) = 0;
  virtual StatusOr<UserRecord> GetUser(const std::string& id) = 0;
  // By login or email (case-insensitive); NotFound when neither matches.
  virtual StatusOr<UserRecord> FindUser(const std::string& login_or_email) = 0;
  virtual StatusOr<std::vector<UserRecord>> ListUsers(const ListQuery& query) = 0;
  virtual StatusOr<int64_t> CountUsers() = 0;
  virtual Status UpdateUser(const UserRecord& user) = 0;
  // Also deletes the user's tokens, uploads, grants and home folders (with what they hold);
  // the non-imported file paths that were deleted are appended to `removed_paths`. As in every
  // cascade below, `removed_paths` also receives the thumbnail paths and the temp_path of
  // uploads that were deleted with their parent; it may be null.
  virtual Status DeleteUser(const std::string& id, std::vector<std::string>* removed_paths) = 0;
  // A user's quota policy (the defaults for a user none was set for); NotFound for a missing
  // user.
  virtual StatusOr<QuotaPolicy> GetUserQuota(const std::string& user_id) = 0;
  // Applies `change` in one transaction and returns the policy it leaves. NotFound for a missing
  // user, InvalidArgument for a negative file_size_quota (nothing changes then).
  virtual StatusOr<QuotaPolicy> UpdateUserQuota(const std::string& user_id,
                                                const QuotaPolicyChange& change) = 0;

  virtual Status CreateToken(const TokenRecord& token) = 0;
  // NotFound when the token is unknown or expired at `now_ms` (expires_ms <= now_ms; every
  // token has an expiry).
  virtual StatusOr<TokenRecord> GetToken(const std::string& token, int64_t now_ms) = 0;
  // No error when the token is already gone (logging out twice).
  virtual Status DeleteToken(const std::string& token) = 0;
  // Returns how many were deleted.
  virtual StatusOr<int64_t> DeleteExpiredTokens(int64_t now_ms) = 0;

  // --- collections and folders
  virtual StatusOr<CollectionRecord> CreateCollection(CollectionRecord c) = 0;
  virtual StatusOr<CollectionRecord> GetCollection(const std::string& id) = 0;
  virtual StatusOr<std::vector<CollectionRecord>> ListCollections(const ListQuery& query,
                                                                  const AccessFilter& filter) = 0;
  // Name, description and the collection's own access list (folders keep theirs: pass a
  // change down with SetFolderAccess(recurse) on its top folders). AlreadyExists on a taken
  // name.
  virtual Status UpdateCollection(const CollectionRecord& c) = 0;
  virtual Status DeleteCollection(const std::string& id,
                                  std::vector<std::string>* removed_paths) = 0;

  // Fills base_parent_* from the parent. AlreadyExists when the parent has a folder of that
  // name ("A folder with that name already exists here.").
  virtual StatusOr<FolderRecord> CreateFolder(FolderRecord f) = 0;
  virtual StatusOr<FolderRecord> GetFolder(const std::string& id) = 0;
  virtual StatusOr<std::vector<FolderRecord>> ListFolders(ParentType parent_type,
                                                          const std::string& parent_id,
                                                          const ListQuery& query,
                                                          const AccessFilter& filter) = 0;
  // Name, description, meta and a move (parent change; base parent recomputed for the subtree).
  // `f.access` is ignored (SetFolderAccess). InvalidArgument for a move under itself.
  virtual Status UpdateFolder(const FolderRecord& f) = 0;
  // Sets a folder's access; with `recurse`, every folder below gets the same list.
  virtual Status SetFolderAccess(const std::string& id, const AccessList& access, bool recurse) = 0;
  virtual Status DeleteFolder(const std::string& id, std::vector<std::string>* removed_paths) = 0;

  // --- items and files
  // AlreadyExists never: Girder allows items of the same name in a folder.
  virtual StatusOr<ItemRecord> CreateItem(ItemRecord item) = 0;
  virtual StatusOr<ItemRecord> GetItem(const std::string& id) = 0;
  // Items of one folder (`folder_id` non-empty) or of every folder the filter admits.
  virtual StatusOr<std::vector<ItemRecord>> ListItems(const std::string& folder_id,
                                                      const ListQuery& query,
                                                      const AccessFilter& filter) = 0;
  virtual StatusOr<int64_t> CountItems() = 0;
  // Name, description, folder (a move), meta and the large image fields (InvalidArgument when
  // large_image_file_id is not one of the item's files). `size` and `path` are ignored.
  virtual Status UpdateItem(const ItemRecord& item) = 0;
  virtual Status DeleteItem(const std::string& id, std::vector<std::string>* removed_paths) = 0;

  // Adds a file to an item (the item's size grows by the file's). NotFound for a missing item;
  // AlreadyExists for a pre-assigned id that is taken.
  virtual StatusOr<FileRecord> CreateFile(FileRecord file) = 0;
  virtual StatusOr<FileRecord> GetFile(const std::string& id) = 0;
  virtual StatusOr<std::optional<FileRecord>> FindFileByPath(const std::string& path) = 0;
  virtual StatusOr<std::vector<FileRecord>> ListFiles(const std::string& item_id) = 0;
  // Clears the item's large image fields when it was the large image file.
  virtual Status DeleteFile(const std::string& id, std::vector<std::string>* removed_paths) = 0;

  // --- uploads
  // NotFound for a missing parent item or folder. With `quota` (null: no check), in the same
  // transaction: the user's effective quota (their policy, admin flag and quota->default_bytes)
  // against UserStorageBytes plus upload.size; past it, nothing is created, quota->exceeded is
  // set with the limit and usage, and the status is ResourceExhausted. NotFound for a user that
  // does not exist when `quota` is given.
  virtual StatusOr<UploadRecord> CreateUpload(UploadRecord upload, UploadQuotaCheck* quota) = 0;
  virtual StatusOr<UploadRecord> GetUpload(const std::string& id) = 0;
  virtual Status SetUploadReceived(const std::string& id, int64_t received) = 0;
  virtual Status DeleteUpload(const std::string& id) = 0;
  // Oldest first.
  virtual StatusOr<std::vector<UploadRecord>> ListUploads() = 0;
  // The bytes a user's quota counts (Girder's user_quota "used"): the sizes of the files the
  // user created, imported ones excepted (their bytes are not in the assetstore), plus the
  // declared sizes of the user's uploads in progress. 0 for a user with neither (or unknown);
  // InvalidArgument for a malformed id.
  virtual StatusOr<int64_t> UserStorageBytes(const std::string& user_id) = 0;
  // In one transaction: creates the item (when the upload's parent is a folder; named after
  // the upload), creates `file` in it and deletes the upload. Returns the file and its item.
  // Empty name / mime_type / creator_id of `file` are taken from the upload. On any error
  // nothing changed (the upload is still there).
  virtual StatusOr<std::pair<FileRecord, ItemRecord>> CompleteUpload(const std::string& upload_id,
                                                                     FileRecord file) = 0;

  // --- jobs
  virtual StatusOr<JobRecord> CreateJob(JobRecord job) = 0;
  virtual StatusOr<JobRecord> GetJob(const std::string& id) = 0;
  virtual Status UpdateJob(const JobRecord& job) = 0;
  // A user's jobs (all users' when user_id is empty), newest first for the default sort
  // ("name"); other sorts: "created", "updated", "status", "title", "type". `text` and `name`
  // match the title.
  virtual StatusOr<std::vector<JobRecord>> ListJobs(const std::string& user_id,
                                                    const ListQuery& query) = 0;

  // --- persisted thumbnails
  // Records `t` (replacing the same item/key); keeps at most `max_per_item` for the item,
  // dropping the oldest (by created_ms; never `t` itself), whose paths are appended to
  // `removed_paths`, as is the replaced record's path when it differs. max_per_item <= 0: no
  // limit. NotFound for a missing item.
  virtual Status PutThumbnail(const ThumbnailRecord& t, int max_per_item,
                              std::vector<std::string>* removed_paths) = 0;
  virtual StatusOr<std::optional<ThumbnailRecord>> FindThumbnail(const std::string& item_id,
                                                                 const std::string& key) = 0;
  virtual Status DeleteThumbnails(const std::string& item_id,
                                  std::vector<std::string>* removed_paths) = 0;
};

// Opens (creating and migrating) the SQLite database at `path`.
StatusOr<std::unique_ptr<MetadataStore>> OpenSqliteStore(const std::string& path);

// Connects to PostgreSQL (`conninfo`: a postgresql:// URL or a libpq keyword string such as
// "host=/run/postgresql dbname=tessera") with a pool of at most `pool_size` connections, and
// brings the schema up to date (postgres_schema.h). Unavailable when the server cannot be
// reached.
StatusOr<std::unique_ptr<MetadataStore>> OpenPostgresStore(const std::string& conninfo,
                                                           int pool_size = 8);

// The `database` setting: empty opens SQLite at `sqlite_path`; anything else is PostgreSQL
// connection info (pool of `pool_size`).
StatusOr<std::unique_ptr<MetadataStore>> OpenMetadataStore(const std::string& database,
                                                           const std::string& sqlite_path,
                                                           int pool_size);

// True for a well-formed 24-hex id.
bool IsObjectId(std::string_view id);

// For the store implementations (sqlite_*, postgres_*): the checks and encodings that do not
// depend on the database.
namespace store_util {
int64_t NowMs();  // wall clock, Unix ms
// InvalidArgument unless `id` is an ObjectId ("Invalid ObjectId: ...").
Status CheckId(const std::string& id);
// InvalidArgument for a grant to a malformed user id or with an unknown level.
Status CheckAccessList(const AccessList& access);
// Parses the "user:level,user:level" column the list queries aggregate grants into.
AccessList ParseGrants(bool is_public, const std::string& grants);
// InvalidArgument unless a QuotaPolicyChange's file size quota is none or >= 0.
Status CheckQuotaChange(const QuotaPolicyChange& change);
// CreateUpload's decision once the limit and the usage are known: Ok when `size` more fits
// (used + size <= limit), else fills `quota` and returns ResourceExhausted.
Status CheckUploadFits(int64_t limit, int64_t used, int64_t size, UploadQuotaCheck* quota);
}  // namespace store_util
// A fresh ObjectId (seconds, per-process random bytes, counter), for records whose id must be
// known before they are stored (a file's FinalPath is written before CompleteUpload).
// Thread-safe.
std::string NewObjectId();

}  // namespace tessera
