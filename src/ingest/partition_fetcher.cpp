#include "ingest/partition_fetcher.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>

#include "common/log.h"

namespace di::ingest {
namespace {

// Arrivals of one pass: pages are consumed in the order they come back.
struct Arrivals {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::pair<int64_t, Result<nivoda::Page>>> pages;
};

// Gives a page slot back once the page is in the sink (or dropped).
struct SlotReturn {
  std::counting_semaphore<>* slots;
  ~SlotReturn() {
    if (slots != nullptr) slots->release();
  }
};

}  // namespace

PartitionFetcher::PartitionFetcher(OfferSource& source, PartitionSink& sink, ThreadPool& pool, FetchOptions options,
                                   const std::atomic<bool>* cancel)
    : source_(source), sink_(sink), pool_(pool), options_(std::move(options)), cancel_(cancel) {
  if (!options_.orders) options_.orders = std::make_shared<OrderChoice>();
}

Result<PageView> PartitionFetcher::Take(int64_t offset, nivoda::Page page) {
  if (!page.count) return Status(Code::kCorrupt, "page answered without its count");
  ++stats_.pages;
  stats_.offers_received += static_cast<int64_t>(page.item_count());
  stats_.bad_items += static_cast<int64_t>(page.bad_items.size());
  PageView view{offset, *page.count, std::move(page.keys)};
  if (view.ids.size() != page.item_count()) return Status(Code::kInternal, "page keys do not match its items");
  if (page.item_count() > 0)
    DI_RETURN_IF_ERROR(sink_.Submit(RawBatch{std::move(page.offers), std::move(page.bad_items), std::nullopt}));
  return view;
}

Result<ProbeVerdict> PartitionFetcher::Probe(const Cell& cell, const nivoda::Order& order) {
  ProbeVerdict verdict = ProbeVerdict::kInconclusive;
  for (int attempt = 0; attempt < 3 && verdict == ProbeVerdict::kInconclusive; ++attempt) {
    if (cancelled()) return Status(Code::kCancelled, "fetch cancelled");
    auto a = pool_.Submit([&] { return source_.FetchPage(cell, 0, options_.page_size, order); });
    auto b = pool_.Submit([&] { return source_.FetchPage(cell, 0, options_.page_size, order); });
    Result<nivoda::Page> first = a.get();
    Result<nivoda::Page> second = b.get();
    stats_.probes += 2;
    DI_RETURN_IF_ERROR(first.status());
    DI_RETURN_IF_ERROR(second.status());
    DI_ASSIGN_OR_RETURN(PageView va, Take(0, std::move(*first)));
    DI_ASSIGN_OR_RETURN(PageView vb, Take(0, std::move(*second)));
    verdict = CompareProbe(va, vb);
    if (verdict == ProbeVerdict::kStable) {
      options_.orders->Confirm(order, "two reads of " + std::to_string(va.ids.size()) + " offers agreed");
    }
  }
  return verdict;
}

Status PartitionFetcher::EnsureOrder(const Cell& cell) {
  std::lock_guard<std::mutex> probing(options_.orders->probe_mutex());
  if (options_.orders->Confirmed()) return Status::Ok();
  // A candidate the vendor refuses (a permanent error) is ruled out only once
  // another one is answered: an error that is not about the order (bad
  // credentials, a bad filter) reaches the caller as it is.
  std::vector<std::pair<nivoda::Order, Status>> refused;
  for (const nivoda::Order& order : options_.orders->Remaining()) {
    Result<ProbeVerdict> verdict = Probe(cell, order);
    if (!verdict.ok() && verdict.status().code() == Code::kPermanent) {
      refused.emplace_back(order, verdict.status());
      continue;
    }
    DI_RETURN_IF_ERROR(verdict.status());
    for (const auto& [earlier, why] : refused) options_.orders->RuleOut(earlier, "refused: " + why.message());
    refused.clear();
    if (*verdict == ProbeVerdict::kUnstable) {
      options_.orders->RuleOut(order, "two reads of one page came back in different orders");
      continue;
    }
    // Stable, or too few offers (or too much churn) here to tell: use it; the
    // pages' overlaps keep checking, and the next partition probes again.
    return Status::Ok();
  }
  if (!refused.empty()) return refused.front().second;
  return Status(Code::kUnavailable, "no stable paging order: " + options_.orders->Summary());
}

Result<bool> PartitionFetcher::Pass(const Cell& cell, const nivoda::Order& order, int64_t resume_from) {
  const bool shrinking = options_.set == SetKind::kShrinking;
  const int limit = options_.page_size;
  const int64_t step = std::max(1, limit - options_.page_overlap);
  std::counting_semaphore<>* slots = options_.page_slots.get();
  auto arrivals = std::make_shared<Arrivals>();

  std::map<int64_t, PageView> got;  // answered pages by offset (a newer read replaces an older one)
  std::multiset<int64_t> waiting;   // asked for and not answered yet (queued or in flight)
  std::deque<int64_t> queue;        // offsets to request, in this order
  int64_t reads = 0;
  int64_t latest = INT64_MAX;      // shrinking: the smallest count seen (the newest state)
  int64_t grid = -1;               // shrinking: highest grid offset asked; growing: next grid offset
  std::optional<int64_t> covered;  // shrinking: start of the linked suffix; growing: top of the linked prefix
  std::set<std::pair<int64_t, int64_t>> bridged;  // (lower, upper) reads a bridge was asked for
  int64_t links_since_checkpoint = 0;

  auto ask = [&](int64_t offset, bool first) {
    waiting.insert(offset);
    if (first) {
      queue.push_front(offset);
    } else {
      queue.push_back(offset);
    }
  };
  auto waiting_in = [&](int64_t above, int64_t below) {  // any asked offset in (above, below)
    auto it = waiting.upper_bound(above);
    return it != waiting.end() && *it < below;
  };
  // The grid: shrinking from the top down (extended upwards while no page has
  // reached the end), growing from 0 up as far as the latest count.
  auto extend_grid = [&](int64_t count) {
    if (!shrinking) {
      for (; grid < count; grid += step) ask(grid, false);
      return;
    }
    const int64_t top = count <= 0 ? 0 : (count - 1) / step * step;
    if (grid < 0) {
      for (int64_t o = top; o >= 0; o -= step) ask(o, false);
    } else {
      for (int64_t o = grid + step; o <= top; o += step) ask(o, true);
    }
    grid = std::max(grid, top);
  };
  auto bridge = [&](const PageView& lower, const PageView& upper) -> Status {
    if (!bridged.insert({lower.read, upper.read}).second) return Status::Ok();
    if (++stats_.bridges > options_.max_bridges + stats_.pages / 10) {
      return Status(Code::kUnavailable, "too many bridge pages (" + std::to_string(stats_.bridges) +
                                            "): the inventory changes faster than it can be read");
    }
    int64_t at = shrinking ? BridgeShrinking(lower, upper, latest, limit) : BridgeGrowing(lower);
    // A bridge at or below LOWER replaces it: LOWER links to nothing above.
    if (shrinking && at <= lower.offset) got.erase(lower.offset);
    ask(at, true);
    return Status::Ok();
  };

  if (shrinking && resume_from >= 0) {
    // Every survivor from RESUME_FROM upwards is stored: a virtual page read
    // before anything of this pass (no count read now exceeds its count).
    got[resume_from] = PageView{resume_from, INT64_MAX, {}, reads++};
    covered = resume_from;
    grid = resume_from;
    for (int64_t o = resume_from - step; o > -step; o -= step) ask(std::max<int64_t>(0, o), false);
  } else if (shrinking && options_.expected_records >= 0) {
    extend_grid(options_.expected_records);
  } else {
    ask(0, false);
    grid = shrinking ? 0 : step;
  }

  // Moves the chain as far as the answered pages allow and asks for what it
  // needs next. false: the order proved unstable.
  auto advance = [&]() -> Result<bool> {
    while (true) {
      if (shrinking && !covered) {
        // The anchor: the highest page, once nothing above it is on its way,
        // if it reaches the end of the set; else a page above it is needed.
        if (got.empty()) return true;
        const PageView& top = std::prev(got.end())->second;
        if (waiting_in(top.offset, INT64_MAX)) return true;
        if (!top.reaches_end()) {
          ask(std::max(top.offset + 1, top.end() - 1), true);
          return true;
        }
        covered = top.offset;
        continue;
      }
      if (shrinking) {
        if (*covered == 0) return true;
        const PageView& upper = got.at(*covered);
        auto below = got.lower_bound(*covered);
        if (below == got.begin()) {
          if (!waiting_in(-1, *covered)) ask(std::max<int64_t>(0, *covered - step), true);
          return true;
        }
        const PageView& lower = std::prev(below)->second;
        if (waiting_in(lower.offset, *covered)) return true;  // a nearer page is on its way
        Link link = LinkShrinking(lower, upper);
        if (link == Link::kUnstable) {
          options_.orders->RuleOut(order, "two pages read from one state hold different offers at the same place");
          return false;
        }
        if (link == Link::kGap) {
          DI_RETURN_IF_ERROR(bridge(lower, upper));
          return true;
        }
        covered = lower.offset;
        // The pages above the linked suffix's start are done with: a pass
        // holds the pages at its frontier, not every page it read.
        got.erase(std::next(got.find(*covered)), got.end());
        if (++links_since_checkpoint >= 8 || *covered == 0) {
          links_since_checkpoint = 0;
          DI_RETURN_IF_ERROR(sink_.Submit(
              RawBatch{{}, {}, store::Checkpoint{*covered, "suffix", stats_.pages, stats_.offers_received}}));
        }
        continue;
      }
      if (!covered) {
        if (got.count(0) == 0) return true;
        covered = 0;
      }
      const PageView& lower = got.at(*covered);
      if (lower.reaches_end()) return true;
      auto above = got.upper_bound(*covered);
      if (above == got.end()) {
        if (!waiting_in(*covered, INT64_MAX)) ask(BridgeGrowing(lower), true);
        return true;
      }
      if (waiting_in(*covered, above->first)) return true;
      if (LinkGrowing(lower, above->second) == Link::kGap) {
        DI_RETURN_IF_ERROR(bridge(lower, above->second));
        return true;
      }
      covered = above->first;
      got.erase(got.begin(), got.find(*covered));  // below the linked prefix's top: done with
    }
  };
  auto done = [&] {
    if (!covered) return false;
    return shrinking ? *covered == 0 : got.at(*covered).reaches_end();
  };

  int outstanding = 0;
  Status failure;
  bool unstable = false;
  while (true) {
    while (failure.ok() && !unstable && !cancelled() && !done() && !queue.empty() &&
           outstanding < std::max(1, options_.in_flight)) {
      if (slots != nullptr) {
        if (outstanding == 0) {
          slots->acquire();
        } else if (!slots->try_acquire()) {
          break;
        }
      }
      const int64_t offset = queue.front();
      queue.pop_front();
      (void)pool_.Submit([this, cell, offset, limit, order, arrivals] {
        Result<nivoda::Page> page = cancelled() ? Result<nivoda::Page>(Status(Code::kCancelled, "fetch cancelled"))
                                                : source_.FetchPage(cell, offset, limit, order);
        std::lock_guard<std::mutex> lock(arrivals->mu);
        arrivals->pages.emplace_back(offset, std::move(page));
        arrivals->cv.notify_one();
      });
      ++outstanding;
    }
    if (outstanding == 0) break;
    int64_t offset = 0;
    Result<nivoda::Page> page = Status(Code::kInternal, "no page");
    {
      std::unique_lock<std::mutex> lock(arrivals->mu);
      arrivals->cv.wait(lock, [&] { return !arrivals->pages.empty(); });
      offset = arrivals->pages.front().first;
      page = std::move(arrivals->pages.front().second);
      arrivals->pages.pop_front();
    }
    --outstanding;
    waiting.erase(waiting.find(offset));
    SlotReturn slot_return{slots};
    if (!failure.ok() || unstable) continue;  // draining
    if (!page.ok()) {
      failure = page.status();
      continue;
    }
    Result<PageView> view = Take(offset, std::move(*page));
    if (!view.ok()) {
      failure = view.status();
      continue;
    }
    view->read = reads++;
    latest = shrinking ? std::min(latest, view->count) : view->count;
    if (!shrinking || !covered) extend_grid(view->count);
    got[offset] = std::move(*view);
    Result<bool> stable = advance();
    if (!stable.ok()) {
      failure = stable.status();
    } else if (!*stable) {
      unstable = true;
    }
  }
  if (failure.ok() && cancelled()) failure = Status(Code::kCancelled, "fetch cancelled");
  if (!failure.ok()) return failure;
  if (unstable) return false;
  if (!done()) return Status(Code::kInternal, "pass ended before its chain was complete");
  return true;
}

Result<FetchStats> PartitionFetcher::Run(const Cell& cell, const store::Checkpoint& resume) {
  stats_ = FetchStats{};
  stats_.pages = resume.pages_fetched;
  stats_.offers_received = resume.records_fetched;
  if (resume.phase != "done") {
    int64_t resume_from = resume.phase == "suffix" ? resume.next_offset : -1;
    while (true) {
      DI_RETURN_IF_ERROR(EnsureOrder(cell));
      std::optional<nivoda::Order> order = options_.orders->Current();
      if (!order) return Status(Code::kUnavailable, "no stable paging order: " + options_.orders->Summary());
      stats_.order = OrderName(*order);
      DI_ASSIGN_OR_RETURN(bool complete, Pass(cell, *order, resume_from));
      if (complete) break;
      // What was covered in an unstable order proves nothing: start again.
      ++stats_.restarts;
      resume_from = -1;
      DI_RETURN_IF_ERROR(
          sink_.Submit(RawBatch{{}, {}, store::Checkpoint{0, "paging", stats_.pages, stats_.offers_received}}));
    }
    DI_RETURN_IF_ERROR(
        sink_.Submit(RawBatch{{}, {}, store::Checkpoint{0, "done", stats_.pages, stats_.offers_received}}));
  }
  DI_RETURN_IF_ERROR(sink_.Flush());
  DI_ASSIGN_OR_RETURN(stats_.stones, sink_.StoredStones(cell));
  return stats_;
}

}  // namespace di::ingest
