"""Entry point of the notification worker: `python -m notifications.worker` (started by `wellwon run`).

Four loops in one process: the notification sink (events to inbox rows and deliveries, through the sinks'
`SinkRunner`: consumer group, retries, dead letters on `sinks.notifications.deadletter`), the delivery loop
(emails and Telegram messages after the event), the overdue check, and, when a Telegram bot is configured,
receiving its updates (setWebhook in webhook mode; getUpdates relayed to the API's webhook route in polling
mode: `notifications.telegram.receive_updates`).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import timedelta

from psycopg import AsyncConnection

from notifications.delivery import Deliveries, pause, senders_from_settings
from notifications.overdue import check_overdue
from notifications.sink import NotificationSink
from notifications.telegram import receive_updates, telegram_config
from sinks.postgres.database import owner_dsn
from sinks.runner import SinkRunner
from streams.registry import DOMAINS, codec
from wellwon import fetch_codec
from wellwon.collector import start_up_frozen
from wellwon.config import Settings, setting, settings
from wellwon.logs import configure_logging

log = logging.getLogger("wellwon.notifications")


def number(name: str, default: float) -> float:
    return float(setting(name) or default)


async def overdue_checks(config: Settings, every: float, stopping: asyncio.Event) -> None:
    while not stopping.is_set():
        try:
            async with await AsyncConnection.connect(owner_dsn(config)) as conn:
                await check_overdue(conn)
        except Exception as exc:  # the next check tries again; a failed one loses nothing
            log.warning("overdue check failed", extra={"error": repr(exc)})
        await pause(stopping, every)


async def run() -> None:
    config = settings()
    runner = SinkRunner(NotificationSink(config), [config.name(d.events_topic) for d in DOMAINS], config, codec())
    window = timedelta(seconds=number("NOTIFY_DIGEST_SECONDS", 600))
    deliveries = Deliveries(config, senders_from_settings(), window)
    stopping = asyncio.Event()

    def stop() -> None:
        runner.stop()
        deliveries.stop()
        stopping.set()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop)
    loops = [
        runner.run(),
        deliveries.run(),
        overdue_checks(config, number("NOTIFY_OVERDUE_CHECK_SECONDS", 3600), stopping),
    ]
    if (telegram := telegram_config()).enabled:
        loops.append(receive_updates(telegram, f"http://{config.api_host}:{config.api_port}", stopping))
    await asyncio.gather(*loops)


def main() -> None:
    configure_logging()
    fetch_codec.install()
    start_up_frozen()
    asyncio.run(run())


if __name__ == "__main__":
    main()
