"""Sealed files: bundles encrypted on disk in chunks, read back at any offset, and refused when
altered, cut short, extended, mixed with another file's chunks or opened with another key."""

from __future__ import annotations

import hashlib
import io
import os
import random
import stat
import tracemalloc
import zipfile

import flask
import pytest
from gunicorn.http.wsgi import FileWrapper as GunicornFileWrapper
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.wsgi import FileWrapper

from webtool.infra import sealed_files
from webtool.infra.sealed_files import (
    DEFAULT_CHUNK_SIZE,
    HEADER_SIZE,
    TAG_SIZE,
    SealedFileError,
    SealedFileWriter,
    copy_range,
    open_sealed,
)

CHUNK = 1024  # small chunks keep the tests quick; one test uses the default
KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
REFUSED = "the file was altered or is not this bundle's"


def plaintext(size: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(size)


def seal(path, data: bytes, key: bytes = KEY, chunk_size: int = CHUNK, piece: int = 700):
    """Writes `data` sealed at `path`, in pieces that straddle chunk boundaries."""
    with SealedFileWriter(path, key, chunk_size=chunk_size) as writer:
        for start in range(0, len(data), piece):
            writer.write(data[start : start + piece])
    assert writer.size == len(data)
    return path


def read_all(path, key: bytes = KEY) -> bytes:
    with open_sealed(path, key) as reader:
        return reader.read()


def chunk_bounds(index: int, chunk_size: int = CHUNK) -> slice:
    """Where a full chunk `index` lies in the sealed file."""
    start = HEADER_SIZE + index * (chunk_size + TAG_SIZE)
    return slice(start, start + chunk_size + TAG_SIZE)


def rewrite(path, data: bytes) -> None:
    """Replaces a sealed (read-only) file's bytes, as someone altering the disk would."""
    os.chmod(path, 0o600)
    path.write_bytes(data)


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 7, 6 * CHUNK])
def test_round_trip(tmp_path, size):
    data = plaintext(size)
    path = seal(tmp_path / "bundle", data)

    with open_sealed(path, KEY) as reader:
        assert reader.size == size
        assert reader.read() == data
        assert reader.read() == b""
    # One chunk per started CHUNK of plaintext, and one (empty) even for no plaintext: a
    # plaintext ending on a chunk's end gets no extra empty chunk.
    chunks = max(1, -(-size // CHUNK))
    assert path.stat().st_size == HEADER_SIZE + chunks * TAG_SIZE + size


def test_round_trip_at_the_default_chunk_size(tmp_path):
    data = plaintext(3 * DEFAULT_CHUNK_SIZE + 100, seed=1)
    path = seal(tmp_path / "bundle", data, chunk_size=DEFAULT_CHUNK_SIZE, piece=50_000)

    assert read_all(path) == data
    assert path.stat().st_size == HEADER_SIZE + 4 * TAG_SIZE + len(data)


def test_writes_of_any_size_give_the_same_plaintext(tmp_path):
    data = plaintext(10 * CHUNK + 3, seed=2)
    pieces = random.Random(3)
    with SealedFileWriter(tmp_path / "bundle", KEY, chunk_size=CHUNK) as writer:
        at = 0
        while at < len(data):
            step = pieces.choice([0, 1, 5, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK])
            writer.write(data[at : at + step])
            at += step

    assert read_all(tmp_path / "bundle") == data


def test_random_seeks_and_reads_match_the_plaintext(tmp_path):
    data = plaintext(20 * CHUNK + 123, seed=4)
    path = seal(tmp_path / "bundle", data)
    moves = random.Random(5)

    with open_sealed(path, KEY) as reader:
        for _ in range(2000):
            whence = moves.choice([io.SEEK_SET, io.SEEK_CUR, io.SEEK_END])
            here = reader.tell()
            if whence == io.SEEK_SET:
                offset = moves.randrange(len(data) + 50)
                expected = offset
            elif whence == io.SEEK_CUR:
                offset = moves.randrange(-here, len(data) - here + 50)
                expected = here + offset
            else:
                offset = moves.randrange(-len(data), 50)
                expected = len(data) + offset
            assert reader.seek(offset, whence) == expected
            count = moves.choice([0, 1, 17, CHUNK - 1, CHUNK, CHUNK + 1, 4 * CHUNK + 9])
            assert reader.read(count) == data[expected : expected + count]
            assert reader.tell() == min(expected + count, max(expected, len(data)))


def test_a_seek_before_the_start_is_refused(tmp_path):
    path = seal(tmp_path / "bundle", plaintext(100))
    with open_sealed(path, KEY) as reader, pytest.raises(ValueError):
        reader.seek(-1)


@pytest.fixture
def opened(monkeypatch) -> list[bytes]:
    """The index of each chunk decrypted from here on, as the 8 bytes its nonce ends with."""
    indexes: list[bytes] = []
    decrypt = sealed_files.crypto_aead_xchacha20poly1305_ietf_decrypt

    def counting(sealed, associated, nonce, key):
        indexes.append(nonce[-8:])
        return decrypt(sealed, associated, nonce, key)

    monkeypatch.setattr(sealed_files, "crypto_aead_xchacha20poly1305_ietf_decrypt", counting)
    return indexes


def test_a_read_decrypts_only_the_chunks_it_touches(tmp_path, opened):
    data = plaintext(100 * CHUNK, seed=6)
    path = seal(tmp_path / "bundle", data)
    with open_sealed(path, KEY) as reader:
        assert len(opened) == 1  # the last chunk, checked at open
        reader.seek(50 * CHUNK + 10)
        assert reader.read(CHUNK) == data[50 * CHUNK + 10 : 51 * CHUNK + 10]
    assert len(opened) == 3


def test_zipfile_reads_one_member_of_a_sealed_archive(tmp_path):
    members = {f"page{n}.html": plaintext(3000 + 97 * n, seed=n) for n in range(20)}
    members["index.txt"] = b"one small member\n"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as writer:
        for n, (name, content) in enumerate(members.items()):
            method = zipfile.ZIP_STORED if n % 2 else zipfile.ZIP_DEFLATED
            writer.writestr(name, content, compress_type=method)
    path = seal(tmp_path / "bundle.zip", archive.getvalue())

    with open_sealed(path, KEY) as reader, zipfile.ZipFile(reader) as bundle:
        assert sorted(bundle.namelist()) == sorted(members)
        assert bundle.read("page13.html") == members["page13.html"]
        with bundle.open("page4.html") as member:
            assert member.read() == members["page4.html"]


def test_files_under_one_key_never_share_a_keystream(tmp_path):
    first, second = plaintext(3 * CHUNK, seed=14), plaintext(3 * CHUNK, seed=15)
    sealed_first = seal(tmp_path / "first", first).read_bytes()
    sealed_second = seal(tmp_path / "second", second).read_bytes()

    def xor(a: bytes, b: bytes) -> bytes:
        return bytes(x ^ y for x, y in zip(a, b, strict=True))

    body = slice(chunk_bounds(0).start, chunk_bounds(0).start + CHUNK)
    assert xor(sealed_first[body], sealed_second[body]) != xor(first[:CHUNK], second[:CHUNK])


def test_fileno_is_refused_so_no_library_reads_the_ciphertext(tmp_path):
    path = seal(tmp_path / "bundle", plaintext(10))
    with open_sealed(path, KEY) as reader, pytest.raises(io.UnsupportedOperation):
        reader.fileno()


@pytest.mark.parametrize(
    "start, length, expected",
    [(0, 0, slice(0, 0)), (1000, 5000, slice(1000, 6000)), (9000, 5000, slice(9000, 9500))],
)
def test_copy_range_streams_the_bytes_asked_for(tmp_path, start, length, expected):
    data = plaintext(9500, seed=7)
    path = seal(tmp_path / "bundle", data)

    with open_sealed(path, KEY) as reader:
        blocks = list(copy_range(reader, start, length, block=1000))
    assert b"".join(blocks) == data[expected]
    assert all(len(block) <= 1000 for block in blocks)


# Each way of tampering with a file, and how: each must be refused with SealedFileError.


@pytest.fixture
def sealed(tmp_path):
    """A file of six full chunks and a short seventh, and its plaintext."""
    data = plaintext(6 * CHUNK + 500, seed=8)
    return seal(tmp_path / "bundle", data), data


def assert_refused(path, key: bytes = KEY) -> None:
    with pytest.raises(SealedFileError, match=REFUSED) as refused:
        read_all(path, key)
    assert isinstance(refused.value, ValueError)


def test_a_flipped_byte_in_a_chunk_is_refused(sealed):
    path, _ = sealed
    data = bytearray(path.read_bytes())
    data[chunk_bounds(2).start + 100] ^= 0x01
    rewrite(path, bytes(data))

    with open_sealed(path, KEY) as reader:
        assert reader.read(CHUNK) == sealed[1][:CHUNK]  # the chunks before it still read
        with pytest.raises(SealedFileError, match=REFUSED):
            reader.read()


def test_a_flipped_byte_in_the_header_is_refused_at_open(sealed):
    path, _ = sealed
    for where in range(HEADER_SIZE):
        data = bytearray(path.read_bytes())
        data[where] ^= 0x01
        rewrite(path, bytes(data))
        with pytest.raises(SealedFileError, match=REFUSED):
            open_sealed(path, KEY)
        data[where] ^= 0x01
        rewrite(path, bytes(data))
        assert read_all(path) == sealed[1]


def test_swapped_chunks_are_refused(sealed):
    path, _ = sealed
    data = bytearray(path.read_bytes())
    first, second = chunk_bounds(1), chunk_bounds(2)
    data[first], data[second] = data[second], data[first]
    rewrite(path, bytes(data))

    assert_refused(path)


def test_a_chunk_from_another_file_under_the_same_key_is_refused(sealed, tmp_path):
    path, _ = sealed
    other = seal(tmp_path / "other", plaintext(6 * CHUNK + 500, seed=9))
    data = bytearray(path.read_bytes())
    data[chunk_bounds(3)] = other.read_bytes()[chunk_bounds(3)]
    rewrite(path, bytes(data))

    assert_refused(path)


def test_another_files_last_chunk_is_refused_at_open(sealed, tmp_path):
    path, _ = sealed
    other = seal(tmp_path / "other", plaintext(6 * CHUNK + 500, seed=9))
    data = path.read_bytes()[: chunk_bounds(6).start] + other.read_bytes()[chunk_bounds(6).start :]
    rewrite(path, data)

    with pytest.raises(SealedFileError, match=REFUSED):
        open_sealed(path, KEY)


@pytest.mark.parametrize(
    "keep",
    [
        chunk_bounds(6).start,  # at a chunk boundary: the last chunk gone
        chunk_bounds(3).start,  # at a chunk boundary, further back
        chunk_bounds(6).start + 200,  # in the middle of the last chunk
        chunk_bounds(2).start + 200,  # in the middle of a full chunk
        HEADER_SIZE,  # the header alone
        HEADER_SIZE - 1,  # not even the header
        0,
    ],
)
def test_a_truncated_file_is_refused_at_open(sealed, keep):
    path, _ = sealed
    rewrite(path, path.read_bytes()[:keep])

    with pytest.raises(SealedFileError, match=REFUSED):
        open_sealed(path, KEY)


def test_a_file_cut_on_a_chunk_boundary_of_full_chunks_is_refused(tmp_path):
    path = seal(tmp_path / "bundle", plaintext(6 * CHUNK, seed=10))
    rewrite(path, path.read_bytes()[: chunk_bounds(5).start])

    with pytest.raises(SealedFileError, match=REFUSED):
        open_sealed(path, KEY)


@pytest.mark.parametrize("source", ["own first chunk", "own last chunk", "other file", "empty"])
def test_an_appended_chunk_is_refused_at_open(tmp_path, source):
    # Full chunks only, so an appended full chunk keeps the layout a reader expects.
    path = seal(tmp_path / "bundle", plaintext(6 * CHUNK, seed=11))
    other = seal(tmp_path / "other", plaintext(7 * CHUNK, seed=12))
    data = path.read_bytes()
    extra = {
        "own first chunk": data[chunk_bounds(0)],
        "own last chunk": data[chunk_bounds(5)],
        "other file": other.read_bytes()[chunk_bounds(6)],
        "empty": seal(tmp_path / "empty", b"").read_bytes()[HEADER_SIZE:],
    }[source]
    rewrite(path, data + extra)

    with pytest.raises(SealedFileError, match=REFUSED):
        open_sealed(path, KEY)


@pytest.mark.parametrize("size", [0, 10, 6 * CHUNK + 500])
def test_a_wrong_key_is_refused(tmp_path, size):
    path = seal(tmp_path / "bundle", plaintext(size))

    assert_refused(path, OTHER_KEY)


# Writing: a finished file is never rewritten, a failed one leaves nothing.


def test_writing_to_an_existing_path_leaves_it_unchanged(tmp_path):
    path = tmp_path / "bundle"
    path.write_bytes(b"the earlier bundle")

    with pytest.raises(FileExistsError):
        SealedFileWriter(path, KEY)
    assert path.read_bytes() == b"the earlier bundle"
    assert os.listdir(tmp_path) == ["bundle"]


def test_a_path_taken_while_writing_is_left_unchanged(tmp_path):
    path = tmp_path / "bundle"
    with pytest.raises(FileExistsError):
        with SealedFileWriter(path, KEY, chunk_size=CHUNK) as writer:
            writer.write(plaintext(3 * CHUNK))
            path.write_bytes(b"written meanwhile")
    assert path.read_bytes() == b"written meanwhile"
    assert os.listdir(tmp_path) == ["bundle"]


def test_a_sealed_file_cannot_be_sealed_again(tmp_path):
    path = seal(tmp_path / "bundle", plaintext(100))
    before = path.read_bytes()

    with pytest.raises(FileExistsError):
        seal(path, plaintext(100, seed=1))
    assert path.read_bytes() == before


def test_an_error_inside_the_writer_leaves_no_file(tmp_path):
    class Interrupted(Exception):
        pass

    with pytest.raises(Interrupted):
        with SealedFileWriter(tmp_path / "bundle", KEY, chunk_size=CHUNK) as writer:
            writer.write(plaintext(5 * CHUNK))
            raise Interrupted

    assert os.listdir(tmp_path) == []


def test_the_temporary_file_is_beside_the_final_one_until_the_close(tmp_path):
    with SealedFileWriter(tmp_path / "bundle", KEY, chunk_size=CHUNK) as writer:
        writer.write(plaintext(5 * CHUNK))
        (partial,) = os.listdir(tmp_path)
        assert partial != "bundle"
    assert os.listdir(tmp_path) == ["bundle"]


def test_a_written_file_is_read_only(tmp_path):
    path = seal(tmp_path / "bundle", plaintext(100))

    assert stat.S_IMODE(path.stat().st_mode) == 0o440


def test_a_closed_writer_takes_no_more_data(tmp_path):
    writer = SealedFileWriter(tmp_path / "bundle", KEY)
    writer.close()
    with pytest.raises(ValueError):
        writer.write(b"late")
    assert read_all(tmp_path / "bundle") == b""


def test_streaming_64_mib_keeps_memory_low(tmp_path):
    block = 256 * 1024
    blocks = 256  # 64 MiB
    path = tmp_path / "bundle"

    def generated():
        for n in range(blocks):
            yield n.to_bytes(4, "big") * (block // 4)

    tracemalloc.start()
    try:
        written = hashlib.sha256()
        with SealedFileWriter(path, KEY) as writer:
            for data in generated():
                writer.write(data)
                written.update(data)
        _, write_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()

        read = hashlib.sha256()
        with open_sealed(path, KEY) as reader:
            assert reader.size == blocks * block
            for data in copy_range(reader, 0, reader.size):
                read.update(data)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert read.digest() == written.digest()
    assert write_peak < 4 * 1024 * 1024
    assert read_peak < 4 * 1024 * 1024


# Serving a sealed file over HTTP with ranges.


def sealed_download(path, key: bytes, download_name: str, mimetype: str) -> flask.Response:
    """How a view answers with a sealed file, ranges included.

    send_file knows a file object's size only for io.BytesIO, so it cannot answer ranges for a
    sealed reader: it is called with conditional=False for its headers (the attachment's name),
    then told the size. Its body is werkzeug's FileWrapper, which can seek: gunicorn's
    wsgi.file_wrapper, which send_file would pick, cannot, and werkzeug would then read and
    decrypt every byte before a range's start.
    """
    reader = open_sealed(path, key)
    response = flask.send_file(
        reader,
        mimetype=mimetype,
        as_attachment=True,
        download_name=download_name,
        conditional=False,
    )
    response.response = FileWrapper(reader, DEFAULT_CHUNK_SIZE)
    response.content_length = reader.size
    try:
        response.make_conditional(flask.request, accept_ranges=True, complete_length=reader.size)
    except RequestedRangeNotSatisfiable:
        reader.close()
        raise
    return response


@pytest.fixture
def served(tmp_path):
    """A Flask app serving one sealed file at /bundle (and with send_file alone at /plain)."""
    data = plaintext(40 * CHUNK + 321, seed=13)
    path = seal(tmp_path / "bundle", data)
    app = flask.Flask(__name__)

    @app.get("/bundle")
    def bundle():
        return sealed_download(path, KEY, "bundle-7.wacz", "application/wacz")

    @app.get("/plain")
    def plain():
        return flask.send_file(
            open_sealed(path, KEY),
            mimetype="application/wacz",
            conditional=True,
            download_name="bundle-7.wacz",
            as_attachment=True,
        )

    return app.test_client(), data


def test_a_range_request_gets_those_bytes(served):
    client, data = served

    response = client.get("/bundle", headers={"Range": "bytes=100-199"})

    assert response.status_code == 206
    assert response.data == data[100:200]
    assert response.headers["Content-Length"] == "100"
    assert response.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert response.headers["Content-Disposition"] == "attachment; filename=bundle-7.wacz"


def test_a_full_request_gets_the_whole_plaintext(served):
    client, data = served

    response = client.get("/bundle")

    assert response.status_code == 200
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Content-Length"] == str(len(data))
    assert response.data == data


def test_a_range_past_the_end_is_not_satisfiable(served):
    client, data = served

    response = client.get("/bundle", headers={"Range": f"bytes={len(data)}-"})

    assert response.status_code == 416


def test_a_range_under_gunicorn_decrypts_only_its_chunks(served, opened):
    client, data = served
    start = 38 * CHUNK
    response = client.get(
        "/bundle",
        headers={"Range": f"bytes={start}-{start + 99}"},
        environ_base={"wsgi.file_wrapper": GunicornFileWrapper},
    )

    assert response.status_code == 206
    assert response.data == data[start : start + 100]
    # The last chunk at open, then those from the range on: none of the 38 before it.
    assert opened[0] == (40).to_bytes(8, "big")
    assert min(opened[1:]) == (38).to_bytes(8, "big")


def test_send_file_alone_cannot_answer_ranges_for_a_sealed_reader(served):
    """Why `sealed_download` sets the size itself: werkzeug's send_file learns a file object's
    size only from io.BytesIO. If this fails, werkzeug has learned; `sealed_download` can be
    simpler."""
    client, data = served

    response = client.get("/plain", headers={"Range": "bytes=100-199"})

    assert response.status_code == 200
    assert "Content-Length" not in response.headers
    assert response.data == data
