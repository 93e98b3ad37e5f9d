// The dashboard's static files (web/), embedded into the binary at build time by
// cmake/embed_web.cmake: nothing is read from disk or fetched at run time.
// Thread-safe: immutable data.
#pragma once

#include <span>
#include <string_view>

namespace keyward {

struct WebAsset {
  std::string_view name;          // file name in web/, e.g. "app.js"
  std::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
  std::string_view body;
  std::string_view etag;  // quoted, from the file's SHA-256
};

// Every embedded file, sorted by name (defined in the generated web_assets_data.cc).
std::span<const WebAsset> WebAssets();
// The file called `name`, or nullptr.
const WebAsset* FindWebAsset(std::string_view name);

}  // namespace keyward
