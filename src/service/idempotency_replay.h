// Unknown outcomes (API.md 16.1): the Idempotency-Key binding (store/idempotency_binding.h) a
// request claimed by IdempotencyService runs under, so that the change it makes marks (scope, key)
// done in its own transaction, keeping as the replay the object its event records (data.object,
// rendered as the API answers it — never a secret). A retry after a connection broke around
// COMMIT then replays it instead of running twice; when the request answers normally,
// IdempotencyService::Finish replaces that replay with the exact response. Thread-safety: a value.
#pragma once

#include <string_view>

#include "store/idempotency_binding.h"

namespace keyward {

IdempotencyBinding IdempotencyReplayBinding(std::string_view scope, std::string_view key);

}  // namespace keyward
