"""Tests of the Redis store (bot/store) against a real Redis server."""
