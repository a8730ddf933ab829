"""Channels' layer: in memory by default, Redis when REDIS_URL is set; and with Redis, a group
message sent by one process reaches a consumer's channel opened by another."""

import asyncio
import os
import subprocess
import sys
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer

from config.settings import BASE_DIR

PRINT_LAYER = (
    "import django; django.setup(); from django.conf import settings; "
    "layer = settings.CHANNEL_LAYERS['default']; print(layer['BACKEND'], layer.get('CONFIG'))"
)


def layer_setting(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    result = subprocess.run(
        [sys.executable, "-c", PRINT_LAYER],
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "1", **env},
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_the_layer_is_in_memory_unless_redis_is_configured():
    assert layer_setting() == "channels.layers.InMemoryChannelLayer None"
    with_redis = layer_setting(REDIS_URL="redis://cache.internal:6379/2")
    assert with_redis.startswith("channels_redis.core.RedisChannelLayer")
    assert "redis://cache.internal:6379/2" in with_redis


async def group_message_between(sender, listener) -> dict:
    group = f"room-{uuid.uuid4().hex[:8]}"
    channel = await listener.new_channel()
    await listener.group_add(group, channel)
    await sender.group_send(group, {"type": "chat.message", "text": "hello"})
    try:
        return await listener.receive(channel)
    finally:
        await listener.group_discard(group, channel)


async def nothing_arrives(sender, listener) -> bool:
    try:
        async with asyncio.timeout(0.3):
            await group_message_between(sender, listener)
    except TimeoutError:
        return True
    return False


def test_an_in_memory_layer_reaches_only_its_own_process():
    one, other = InMemoryChannelLayer(), InMemoryChannelLayer()
    message = async_to_sync(group_message_between)(one, one)
    assert message == {"type": "chat.message", "text": "hello"}
    # Another process's in-memory layer has groups of its own: the message reaches no one.
    assert async_to_sync(nothing_arrives)(other, one)


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")
def test_with_redis_a_group_message_crosses_processes():
    from channels_redis.core import RedisChannelLayer

    prefix = f"test-{uuid.uuid4().hex[:8]}"
    # Two layer objects, as two worker processes would each have, on one Redis.
    sender = RedisChannelLayer(hosts=[os.environ["REDIS_URL"]], prefix=prefix)
    listener = RedisChannelLayer(hosts=[os.environ["REDIS_URL"]], prefix=prefix)
    message = async_to_sync(group_message_between)(sender, listener)
    assert message == {"type": "chat.message", "text": "hello"}
