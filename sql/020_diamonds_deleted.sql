-- The soft-deleted stones of each feed: a complete full run's finalize
-- undeletes those it saw again (src/consolidate/run_store.cpp, kUndelete) by
-- reading them here, not by scanning every row of the feed (0.35-0.46 s at
-- 900,000 stones, each full run). Partial: only deleted rows have entries.
CREATE INDEX diamonds_deleted ON diamonds (feed, supplier_stone_id) WHERE status = 'deleted';
