"""Tests for patches 4 and 5 of ui/patches.py on Streamlit's real classes: a browser's clear_cache, upload floods.

A browser's `clear_cache` is ignored outside development mode; the uploads Streamlit holds in memory are capped per
session (oldest dropped) and in all (refused with HTTP 503).
"""

import asyncio
import concurrent.futures
import logging

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.runtime import caching
from streamlit.runtime.app_session import AppSession, AppSessionState
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.state import SessionState
from streamlit.runtime.uploaded_file_manager import UploadedFileRec

from mnist_cnn import config
from ui.patches import cap_uploads_per_session, ignore_clients_clear_cache
from tests.support.streamlit_patches import restore_patched_streamlit

MB = 2**20


@pytest.fixture
def restore_streamlit(monkeypatch):
    """Whatever the test patches in Streamlit is put back afterwards."""
    restore_patched_streamlit(monkeypatch)


@pytest.fixture
def cache_clears(monkeypatch):
    """Streamlit's two global cache clears, recorded instead of run (they would empty this test process's caches)."""
    cleared = []
    monkeypatch.setattr(caching.cache_data, "clear", lambda: cleared.append("data"))
    monkeypatch.setattr(caching.cache_resource, "clear", lambda: cleared.append("resource"))
    return cleared


def development_mode(monkeypatch, on: bool) -> None:
    """Streamlit's global.developmentMode reads as `on`."""
    from streamlit import config as streamlit_config

    real_get_option = streamlit_config.get_option
    monkeypatch.setattr(streamlit_config, "get_option",
                        lambda name: on if name == "global.developmentMode" else real_get_option(name))


def make_session() -> AppSession:
    """A bare AppSession with a session state holding one value (enough for handle_backmsg's clear_cache path)."""
    session = object.__new__(AppSession)
    session._state = AppSessionState.SHUTDOWN_REQUESTED  # so that its __del__ has nothing to shut down
    session._session_state = SessionState()
    session._session_state["collection"] = "anna"
    return session


def send_clear_cache(session: AppSession) -> None:
    """The BackMsg a browser sends for "Clear cache", through Streamlit's own handler."""
    session.handle_backmsg(BackMsg(clear_cache=True))


def test_a_browsers_clear_cache_clears_nothing_outside_development_mode(restore_streamlit, cache_clears,
                                                                        monkeypatch, caplog):
    development_mode(monkeypatch, False)
    ignore_clients_clear_cache(AppSession)
    session = make_session()
    with caplog.at_level(logging.WARNING, logger="ui.patches"):
        for _ in range(20):
            send_clear_cache(session)
    assert cache_clears == []
    assert session._session_state["collection"] == "anna"
    assert caplog.text.count("asked to clear every cache") == 1  # logged once per session, not per message


def test_in_development_mode_clear_cache_still_clears_everything(restore_streamlit, cache_clears, monkeypatch):
    development_mode(monkeypatch, True)
    ignore_clients_clear_cache(AppSession)
    session = make_session()
    send_clear_cache(session)
    assert cache_clears == ["data", "resource"]
    assert "collection" not in session._session_state


def test_without_the_patch_a_browser_clears_the_servers_caches(restore_streamlit, cache_clears, monkeypatch):
    development_mode(monkeypatch, False)
    send_clear_cache(make_session())
    assert cache_clears == ["data", "resource"], "what patch 4 prevents"


def upload(manager: MemoryUploadedFileManager, session_id: str, file_id: str, size: int) -> None:
    """One PUT's worth of file, as the upload endpoint adds it."""
    manager.add_file(session_id, UploadedFileRec(file_id, f"{file_id}.png", "image/png", bytes(size)))


def held_ids(manager: MemoryUploadedFileManager, session_id: str) -> list[str]:
    """The ids of the files held for a session, oldest first."""
    return list(manager.file_storage.get(session_id, {}))


def held_bytes(manager: MemoryUploadedFileManager) -> int:
    """What the manager reports it holds (its memory statistic)."""
    stats = manager.get_stats()
    return sum(stat.byte_length for stats_list in stats.values() for stat in stats_list)


def test_an_upload_flood_keeps_only_the_sessions_newest_files_and_spares_the_others(restore_streamlit):
    cap_uploads_per_session(MemoryUploadedFileManager, config.MAX_UPLOADED_FILES_PER_SESSION,
                            config.MAX_UPLOADED_BYTES_PER_SESSION, config.MAX_UPLOADED_BYTES_HELD)
    manager = MemoryUploadedFileManager("/_stcore/upload_file")
    upload(manager, "student", "drawing", 200_000)
    upload(manager, "student", "digits", 300_000)
    for index in range(150):  # the finding: 150 PUTs of 5 MB from one session
        upload(manager, "flood", f"file-{index}", 5 * MB)
    kept = held_ids(manager, "flood")
    assert kept == [f"file-{index}" for index in range(146, 150)]  # 4 x 5 MB = the 20 MB cap; newest kept
    assert held_ids(manager, "student") == ["drawing", "digits"], "another session keeps its files"
    assert held_bytes(manager) == 20 * MB + 500_000
    assert manager.get_files("flood", ["file-149"])[0].data == bytes(5 * MB)


def test_small_uploads_are_capped_by_count_and_a_replaced_file_keeps_its_place(restore_streamlit):
    cap_uploads_per_session(MemoryUploadedFileManager, 8, 20 * MB, 200 * MB)
    manager = MemoryUploadedFileManager("/_stcore/upload_file")
    for index in range(8):
        upload(manager, "student", f"file-{index}", 1000)
    upload(manager, "student", "file-0", 2000)  # the same file again: replaced, nothing dropped
    assert held_ids(manager, "student") == [f"file-{index}" for index in range(8)]
    upload(manager, "student", "file-8", 1000)  # exactly one past the cap: the oldest goes
    assert held_ids(manager, "student") == [f"file-{index}" for index in range(1, 9)]
    assert held_bytes(manager) == 8000


def test_one_file_over_the_sessions_byte_cap_alone_is_still_kept(restore_streamlit):
    cap_uploads_per_session(MemoryUploadedFileManager, 8, 1000, 200 * MB)
    manager = MemoryUploadedFileManager("/_stcore/upload_file")
    upload(manager, "student", "small", 10)
    upload(manager, "student", "big", 5000)  # larger than the cap by itself (Streamlit's maxUploadSize bounds it)
    assert held_ids(manager, "student") == ["big"]


def test_without_the_patch_the_flood_is_all_held(restore_streamlit):
    manager = MemoryUploadedFileManager("/_stcore/upload_file")
    for index in range(30):
        upload(manager, "flood", f"file-{index}", 1000)
    assert len(held_ids(manager, "flood")) == 30, "what patch 5 prevents"


class ActiveSessions:
    """The one Runtime method the upload route asks: every session id is an active session."""

    def is_active_session(self, session_id: str) -> bool:
        return True


def put_file(app, session_id: str, file_id: str, data: bytes) -> int:
    """PUT one file to Streamlit's upload route as a browser does (multipart form); the HTTP status."""
    boundary = "----mnist-boundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_id}.png"\r\n'
            f"Content-Type: image/png\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    path = f"/_stcore/upload_file/{session_id}/{file_id}"
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "PUT", "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "server": ("testserver", 80), "client": ("127.0.0.1", 5000),
             "headers": [(b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
                         (b"content-length", str(len(body)).encode())]}
    received, sent = [{"type": "http.request", "body": body, "more_body": False}], []

    async def receive():
        return received.pop(0) if received else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    # In a thread of its own: a browser test earlier in this worker may have left an event loop running here.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    return next(message["status"] for message in sent if message["type"] == "http.response.start")


def test_the_upload_route_refuses_a_file_with_503_when_the_server_holds_too_much(restore_streamlit, monkeypatch):
    from starlette.applications import Starlette
    from streamlit.web.server.starlette import starlette_routes

    monkeypatch.setattr(starlette_routes, "is_xsrf_enabled", lambda: False)
    cap_uploads_per_session(MemoryUploadedFileManager, 8, 3000, 5000)
    manager = MemoryUploadedFileManager("/_stcore/upload_file")
    app = Starlette(routes=starlette_routes.create_upload_routes(ActiveSessions(), manager, None))
    statuses = [put_file(app, f"session-{index}", "file", bytes(2000)) for index in range(3)]
    assert statuses == [204, 204, 503]  # 4,000 bytes held; 2,000 more would pass the 5,000 for all sessions
    assert held_bytes(manager) == 4000 and held_ids(manager, "session-2") == []
    manager.remove_session_files("session-0")  # a session ends: its room comes back
    assert put_file(app, "session-2", "file", bytes(2000)) == 204
