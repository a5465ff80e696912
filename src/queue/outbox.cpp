#include "queue/outbox.h"

#include "common/clock.h"
#include "store/pg.h"

namespace di::queue {

Status InsertIntoOutbox(pg::Connection& tx, const OutMessage& m) {
  std::optional<std::string> visible;
  if (m.visible_at) visible = FormatIso8601(*m.visible_at);
  DI_RETURN_IF_ERROR(tx.Exec("INSERT INTO queue_outbox (queue, body, dedup_id, visible_at) "
                             "VALUES ($1, $2, $3, $4::timestamptz)",
                             {pg::P(m.queue), pg::P(m.body), pg::P(m.dedup_id), pg::P(visible)})
                         .status());
  return tx.Exec("SELECT pg_notify('di_outbox', $1)", {pg::P(m.queue)}).status();
}

}  // namespace di::queue
