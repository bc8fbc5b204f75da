// open_store: the backend named by --store (lantern/relay/store.h).
#include "lantern/relay/store.h"

namespace lantern::relay {

Result<std::unique_ptr<Store>> open_store(const std::string& spec, const std::string& data_dir, const StoreOptions& options) {
  if (spec.empty() || spec == "sqlite") return open_sqlite_store(data_dir, options.sqlite);
  if (spec.rfind("postgresql://", 0) == 0 || spec.rfind("postgres://", 0) == 0) return open_postgres_store(spec, options.postgres);
  // Not echoed: a mistyped URL may still hold a password.
  return make_error(ErrorCode::invalid_argument,
                    "--store: \"\" (SQLite in the --data folder) or a postgresql://user@host:port/database URL expected");
}

}  // namespace lantern::relay
