CREATE TABLE `audit_blocks` (
	`kind` text NOT NULL,
	`value` text NOT NULL,
	`block` integer NOT NULL,
	`min_time` text,
	`max_time` text,
	PRIMARY KEY(`kind`, `value`, `block`)
);
--> statement-breakpoint
DROP INDEX `audit_records_time`;--> statement-breakpoint
DROP INDEX `audit_records_actor`;--> statement-breakpoint
DROP INDEX `audit_records_action`;--> statement-breakpoint
DROP INDEX `audit_records_object`;--> statement-breakpoint
-- Hand-written: the block summaries are append-only like the records they summarise.
CREATE TRIGGER `audit_blocks_no_update` BEFORE UPDATE ON `audit_blocks`
BEGIN SELECT RAISE(ABORT, 'audit block summaries are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `audit_blocks_no_delete` BEFORE DELETE ON `audit_blocks`
BEGIN SELECT RAISE(ABORT, 'audit block summaries are append-only'); END;
