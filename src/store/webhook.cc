#include "store/webhook.h"

namespace keyward {

std::string_view DeliveryStatusName(DeliveryStatus s) {
  switch (s) {
    case DeliveryStatus::kPending:
      return "pending";
    case DeliveryStatus::kSucceeded:
      return "succeeded";
    case DeliveryStatus::kFailed:
      return "failed";
  }
  return "pending";
}

std::optional<DeliveryStatus> ParseDeliveryStatus(std::string_view name) {
  if (name == "pending") return DeliveryStatus::kPending;
  if (name == "succeeded") return DeliveryStatus::kSucceeded;
  if (name == "failed") return DeliveryStatus::kFailed;
  return std::nullopt;
}

}  // namespace keyward
