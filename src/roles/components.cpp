#include "roles/components.h"

namespace di {

void CancelNivodaCalls(Components& c) {
  if (c.client) c.client->Cancel();
  if (c.limiter) c.limiter->Shutdown();
}

}  // namespace di
