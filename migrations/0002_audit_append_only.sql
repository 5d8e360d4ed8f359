-- Hand-written (drizzle-kit cannot express triggers): the audit tables are append-only.
-- Records, tree nodes and checkpoints can be inserted, never changed or removed, and a
-- record or a leaf can only be added after the last one. Someone with write access to the
-- file can still drop these triggers; the hash chain, the Merkle tree and the signed
-- checkpoints are what make such a change evident.
CREATE TRIGGER `audit_records_no_update` BEFORE UPDATE ON `audit_records`
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `audit_records_no_delete` BEFORE DELETE ON `audit_records`
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `audit_records_in_order` BEFORE INSERT ON `audit_records`
WHEN NEW.`seq` <= (SELECT COALESCE(MAX(`seq`), 0) FROM `audit_records`)
BEGIN SELECT RAISE(ABORT, 'audit records are appended after the last one'); END;
--> statement-breakpoint
CREATE TRIGGER `audit_tree_no_update` BEFORE UPDATE ON `audit_tree`
BEGIN SELECT RAISE(ABORT, 'the audit tree is append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `audit_tree_no_delete` BEFORE DELETE ON `audit_tree`
BEGIN SELECT RAISE(ABORT, 'the audit tree is append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `audit_tree_leaves_in_order` BEFORE INSERT ON `audit_tree`
WHEN NEW.`node` < 1099511627776
  AND NEW.`node` <> (SELECT COALESCE(MAX(`node`), -1) + 1 FROM `audit_tree` WHERE `node` < 1099511627776)
BEGIN SELECT RAISE(ABORT, 'audit leaves are appended after the last one'); END;
--> statement-breakpoint
CREATE TRIGGER `audit_checkpoints_no_update` BEFORE UPDATE ON `audit_checkpoints`
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `audit_checkpoints_no_delete` BEFORE DELETE ON `audit_checkpoints`
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `audit_checkpoints_forward` BEFORE INSERT ON `audit_checkpoints`
WHEN NEW.`tree_size` < (SELECT COALESCE(MAX(`tree_size`), 0) FROM `audit_checkpoints`)
BEGIN SELECT RAISE(ABORT, 'a checkpoint never goes back to a smaller tree'); END;
