CREATE TABLE `audit_checkpoints` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tree_size` integer NOT NULL,
	`root_hash` text NOT NULL,
	`time` text NOT NULL,
	`note` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `audit_records` (
	`seq` integer PRIMARY KEY NOT NULL,
	`time` text NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`object_type` text,
	`object_id` text,
	`outcome` text NOT NULL,
	`request_id` text,
	`client_address` text,
	`details` text NOT NULL,
	`prev_hash` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_records_time` ON `audit_records` (`time`);--> statement-breakpoint
CREATE INDEX `audit_records_actor` ON `audit_records` (`actor`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_records_action` ON `audit_records` (`action`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_records_object` ON `audit_records` (`object_id`,`seq`);--> statement-breakpoint
CREATE TABLE `audit_tree` (
	`node` integer PRIMARY KEY NOT NULL,
	`hash` blob NOT NULL
);
