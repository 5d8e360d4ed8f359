-- Hand-written: with in-order keys (0007) a subtree's key lies before its last leaf's, and a
-- subtree is stored only after that leaf, so no subtree (an odd key) may come after the largest
-- key. Without this, a row inserted from outside with a large odd key would make the tree look
-- larger than it is (its size is read from the largest key).
CREATE TRIGGER `audit_tree_subtrees_after_leaves` BEFORE INSERT ON `audit_tree`
WHEN NEW.`node` % 2 = 1
  AND NEW.`node` > (SELECT COALESCE(MAX(`node`), -1) FROM `audit_tree`)
BEGIN SELECT RAISE(ABORT, 'an audit subtree is stored only after its last leaf'); END;
