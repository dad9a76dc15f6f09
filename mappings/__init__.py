"""Pure mappings from source records to chain intents; entry point: mappings.posts.post_to_intent."""
