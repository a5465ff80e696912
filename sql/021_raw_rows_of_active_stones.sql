-- Every active row of `diamonds` has a raw row of its feed: a complete full
-- run's finalize finds the stones it did not see from the raw rows that name
-- other runs, never reading every active row (src/consolidate/run_store.cpp,
-- kSoftDeleteUnseen). Two triggers keep that true:
--  * the raw row of an active stone cannot be deleted (soft-delete the stone
--    first; a raw row whose stone is deleted, or was never consolidated, can);
--  * a stone whose raw row moves to another feed has left its old feed: its
--    active row there is soft-deleted, logged in diamond_changes by the run
--    that saw it in the new feed (the new feed's consolidation adds it there).
CREATE FUNCTION raw_row_of_active_stone_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM diamonds d WHERE d.feed = OLD.feed AND d.supplier_stone_id = OLD.supplier_stone_id
             AND d.status = 'active') THEN
    RAISE EXCEPTION 'the raw row of active stone % (%) cannot be deleted: soft-delete the stone first',
      OLD.supplier_stone_id, OLD.feed USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN OLD;
END $$;

CREATE TRIGGER raw_keeps_active_stones BEFORE DELETE ON raw_diamonds_nivoda
  FOR EACH ROW EXECUTE FUNCTION raw_row_of_active_stone_deleted();

CREATE FUNCTION raw_stone_left_feed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH left_feed AS (UPDATE diamonds d SET status = 'deleted', deleted_at = now(), updated_at = now()
                     WHERE d.feed = OLD.feed AND d.supplier_stone_id = OLD.supplier_stone_id AND d.status = 'active'
                     RETURNING d.supplier_stone_id)
  INSERT INTO diamond_changes (run_id, change, supplier_stone_ids)
    SELECT NEW.run_id, 'deleted', array_agg(supplier_stone_id) FROM left_feed HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE TRIGGER raw_stone_changes_feed AFTER UPDATE ON raw_diamonds_nivoda
  FOR EACH ROW WHEN (OLD.feed IS DISTINCT FROM NEW.feed) EXECUTE FUNCTION raw_stone_left_feed();
