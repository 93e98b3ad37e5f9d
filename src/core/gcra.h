// The Generic Cell Rate Algorithm, pure: given a bucket's theoretical arrival time (TAT) and now,
// decide whether `cost` requests fit in a RateSpec and what the headers say.
// Emission interval T = window / limit; a request fits when max(tat, now) + cost*T - now <= window,
// so a full bucket admits `limit` requests at once and refills continuously.
// All times in nanoseconds. Pure; thread-safe.
#pragma once

#include <cstdint>

#include "core/rate_spec.h"

namespace keyward {

struct GcraDecision {
  bool allowed = false;
  int64_t new_tat = 0;        // store this when allowed (unchanged TAT when refused)
  int64_t limit = 0;          // spec.limit
  int64_t remaining = 0;      // requests that would still fit right after this decision, >= 0
  int64_t reset_after_ns = 0; // until the bucket is full again
  int64_t retry_after_ns = 0; // when refused: until `cost` fits; 0 when allowed
};

GcraDecision GcraTake(int64_t tat, int64_t now, const RateSpec& spec, int64_t cost = 1);

}  // namespace keyward
