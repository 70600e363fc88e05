"""A test session deletes its namespace's topics when its platform stops, and nobody else's."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

from aiokafka.admin import AIOKafkaAdminClient

from stack.processes import PlatformProcesses, throwaway_namespace
from wellwon.config import Settings
from wellwon.topics import TopicSpec, create_topics, delete_namespace_topics, streams_app_id


async def topics_with_prefix(settings: Settings, prefix: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        return {t for t in await admin.list_topics() if t.startswith(prefix)}
    finally:
        await admin.close()


async def test_a_namespace_s_topics_are_deleted_and_other_namespaces_keep_theirs(platform: PlatformProcesses) -> None:
    finished = replace(platform.settings, namespace=throwaway_namespace())
    names = [finished.name("user_account.events"), f"{streams_app_id(finished)}-outcomes-changelog"]
    await create_topics(finished, [TopicSpec(name, 1) for name in names])
    assert await topics_with_prefix(finished, finished.name("")) == set(names)

    assert sorted(await delete_namespace_topics(finished)) == sorted(names)
    deadline = time.monotonic() + 60
    while (left := await topics_with_prefix(finished, finished.name(""))) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    assert left == set()
    # The running session's namespace is untouched: its platform still has its topics.
    assert platform.settings.name("user_account.events") in await topics_with_prefix(platform.settings, "")


async def test_the_default_namespace_is_never_cleaned_up(platform: PlatformProcesses) -> None:
    assert await delete_namespace_topics(replace(platform.settings, namespace="")) == []
    assert platform.settings.name("user_account.events") in await topics_with_prefix(platform.settings, "")


async def test_an_unreachable_broker_is_logged_not_raised(platform: PlatformProcesses) -> None:
    nowhere = replace(platform.settings, namespace="tnowhere", kafka_bootstrap="127.0.0.1:1")
    assert await delete_namespace_topics(nowhere) == []
