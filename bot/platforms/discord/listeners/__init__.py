"""Discord events and commands, translated into calls on the bot's services (no decisions here)."""
