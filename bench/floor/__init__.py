"""The bare-Channels floor: Uvicorn + RedisPubSubChannelLayer, a view that publishes, no database.

What the framework alone costs for GameBuddies' status update: the same path and answer
shape, a ~2 KB snapshot of an 8-player room published with group_send, and a socket route
that joins the room's group and forwards. Run by bench/compare.py; see bench/README.md.
"""
