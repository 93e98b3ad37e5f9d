#include "store/idempotency_binding.h"

namespace keyward {
namespace {

thread_local const IdempotencyBinding* g_binding = nullptr;

}  // namespace

const IdempotencyBinding* CurrentIdempotencyBinding() {
  return g_binding;
}

IdempotencyBindingScope::IdempotencyBindingScope(const IdempotencyBinding* binding)
    : previous_(g_binding) {
  g_binding = binding;
}

IdempotencyBindingScope::~IdempotencyBindingScope() {
  g_binding = previous_;
}

}  // namespace keyward
