CREATE TABLE `api_clients` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`roles` text NOT NULL,
	`created_at` text NOT NULL,
	`disabled_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_clients_name_unique` ON `api_clients` (`name`);--> statement-breakpoint
CREATE TABLE `api_credentials` (
	`id` text PRIMARY KEY NOT NULL,
	`client_id` text NOT NULL,
	`kind` text DEFAULT 'apiKey' NOT NULL,
	`lookup` text NOT NULL,
	`secret_hash` text NOT NULL,
	`created_at` text NOT NULL,
	`not_before` text,
	`not_after` text,
	`revoked_at` text,
	FOREIGN KEY (`client_id`) REFERENCES `api_clients`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_credentials_lookup` ON `api_credentials` (`lookup`);--> statement-breakpoint
CREATE TABLE `key_versions` (
	`label` text NOT NULL,
	`version` integer NOT NULL,
	`token_id` text NOT NULL,
	`public_key` text,
	`created_at` text NOT NULL,
	PRIMARY KEY(`label`, `version`),
	FOREIGN KEY (`label`) REFERENCES `keys`(`label`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `keys` (
	`label` text PRIMARY KEY NOT NULL,
	`algorithm` text NOT NULL,
	`key_size` integer,
	`curve_oid` text,
	`policy` text,
	`current_version` integer DEFAULT 1 NOT NULL,
	`origin` text NOT NULL,
	`created_at` text NOT NULL
);
