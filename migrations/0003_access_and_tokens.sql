CREATE TABLE `published_keys` (
	`label` text PRIMARY KEY NOT NULL,
	`published_at` text NOT NULL,
	`published_by` text NOT NULL,
	FOREIGN KEY (`label`) REFERENCES `keys`(`label`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `api_clients` ADD `scopes` text;--> statement-breakpoint
ALTER TABLE `api_clients` ADD `allowed_keys` text;--> statement-breakpoint
ALTER TABLE `api_clients` ADD `allowed_cidrs` text;--> statement-breakpoint
ALTER TABLE `api_clients` ADD `rate_per_second` real;--> statement-breakpoint
ALTER TABLE `api_clients` ADD `rate_burst` integer;--> statement-breakpoint
ALTER TABLE `api_clients` ADD `description` text;--> statement-breakpoint
ALTER TABLE `api_clients` ADD `updated_at` text;--> statement-breakpoint
ALTER TABLE `api_credentials` ADD `name` text;--> statement-breakpoint
ALTER TABLE `api_credentials` ADD `subject` text;--> statement-breakpoint
ALTER TABLE `api_credentials` ADD `rotated_from` text;