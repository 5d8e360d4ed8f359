ALTER TABLE `keys` ADD `min_version` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `keys` ADD `blocked` integer DEFAULT false NOT NULL;