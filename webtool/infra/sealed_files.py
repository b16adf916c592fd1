"""Evidence bundles sealed on disk, streamed in and out and read from any offset.

A bundle (a web archive) can be 512 MiB or more, so it is never held whole in memory: it is
written as it arrives and read back in pieces. Readers need more than a stream from the start:
an HTTP range request asks for bytes in the middle, and `zipfile` reads one archived page by
seeking to the archive's directory at the end and then to that one member. Sealing the whole
file as one message would force reading all of it before trusting any byte, so the plaintext
is cut into chunks sealed one by one, and a read decrypts only the chunks it touches.

Chunks sealed on their own could be moved about, so each one's nonce and associated data name
its place: the chunk's index (against reordering), the file's random nonce prefix (against
chunks copied from another file under the same key), the header (against a changed chunk
size) and whether it is the last chunk (against a file cut at a chunk boundary or with chunks
added after its end). The last chunk is checked when the file is opened, so a truncated or
extended file is refused before any byte is read. This follows the STREAM construction of
Hoang, Reyhanitabar, Rogaway and Vizár ("Online authenticated-encryption and its nonce-reuse
misuse-resistance", 2015), with XChaCha20-Poly1305 so that random nonces are safe.

Layout, all integers big-endian:

    header: MAGIC (12 bytes), VERSION (1 byte), chunk size (4 bytes), nonce prefix (16 bytes)
    then chunks: every one but the last holds `chunk size` bytes of plaintext, the last one
    0 to `chunk size` (0 only when the whole plaintext is empty), each followed by its 16-byte
    tag; nonce = prefix + index (8 bytes); associated data = header + index (8) + last (1).
"""

from __future__ import annotations

import io
import os
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO

import nacl.exceptions
import nacl.utils
from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_ABYTES,
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
    crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
)

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

MAGIC = b"CHLDP-SEALED"
VERSION = 1
DEFAULT_CHUNK_SIZE = 64 * 1024
# A header's chunk size is read before anything is authenticated: the bound keeps an altered
# header from making a reader load a whole bundle into memory as one "chunk".
MAX_CHUNK_SIZE = 16 * 1024 * 1024
KEY_SIZE = crypto_aead_xchacha20poly1305_ietf_KEYBYTES
TAG_SIZE = crypto_aead_xchacha20poly1305_ietf_ABYTES
PREFIX_SIZE = 16

_HEADER = struct.Struct(f">{len(MAGIC)}sBI{PREFIX_SIZE}s")
HEADER_SIZE = _HEADER.size
_INDEX = struct.Struct(">Q")
_PLACE = struct.Struct(">QB")  # a chunk's index and whether it is the last one

StrPath = str | os.PathLike[str]


class SealedFileError(ValueError):
    """A sealed file that does not open under the key: altered, cut short, extended, or sealed
    under another key."""

    def __init__(self, message: str = "the file was altered or is not this bundle's") -> None:
        super().__init__(message)


def _check_key(key: bytes) -> None:
    if len(key) != KEY_SIZE:
        raise ValueError(f"a file key is {KEY_SIZE} bytes, not {len(key)}")


def _check_chunk_size(chunk_size: int) -> None:
    if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
        raise ValueError(f"a chunk size is between 1 and {MAX_CHUNK_SIZE} bytes")


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + _INDEX.pack(index)


def _associated(header: bytes, index: int, last: bool) -> bytes:
    return header + _PLACE.pack(index, last)


class SealedFileWriter:
    """Seals a stream into a new file at `path`, chunk by chunk.

    The chunks go to a temporary file beside `path`; a clean close links it to `path`, so a
    finished file is never rewritten and a half-written one never has the final name. If `path`
    already exists, the writer raises FileExistsError (at once, and again at the close if it
    appeared meanwhile) and leaves that file as it was. An exception inside the `with` removes
    the temporary file; use it in a `with`, or call `close()`, or the temporary file stays.
    """

    def __init__(self, path: StrPath, key: bytes, chunk_size: int = DEFAULT_CHUNK_SIZE) -> None:
        _check_key(key)
        _check_chunk_size(chunk_size)
        self.path = Path(path)
        # Fail before the caller streams a whole bundle, not only at the end.
        if os.path.lexists(self.path):
            raise FileExistsError(f"{self.path} already exists")
        self.size = 0  # plaintext bytes written
        self._key = key
        self._chunk_size = chunk_size
        self._header = _HEADER.pack(MAGIC, VERSION, chunk_size, nacl.utils.random(PREFIX_SIZE))
        self._prefix = self._header[-PREFIX_SIZE:]
        self._index = 0
        self._buffer = bytearray()
        # mkstemp creates the file with O_EXCL and mode 0o600: no other writer shares it.
        fd, temporary = tempfile.mkstemp(
            dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".partial"
        )
        self._temporary = Path(temporary)
        self._file: BinaryIO | None = open(fd, "wb")
        self._file.write(self._header)

    def __enter__(self) -> SealedFileWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
        else:
            self._discard()

    def write(self, data: bytes) -> None:
        if self._file is None:
            raise ValueError("the sealed file is closed")
        view = memoryview(data).cast("B")
        self.size += view.nbytes
        while view:
            # A full chunk is sealed only once more data arrives: until then it may be the last
            # one, and the last chunk is sealed differently.
            if len(self._buffer) == self._chunk_size:
                self._seal(last=False)
            room = self._chunk_size - len(self._buffer)
            self._buffer += view[:room]
            view = view[room:]

    def close(self) -> None:
        """Seals the last chunk and gives the file its final name, read-only."""
        if self._file is None:
            return
        try:
            self._seal(last=True)
            self._file.flush()
            os.fchmod(self._file.fileno(), 0o440)
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None
            # link, unlike rename, refuses to replace an existing file.
            os.link(self._temporary, self.path)
        except BaseException:
            self._discard()
            raise
        os.unlink(self._temporary)
        _sync_folder(self.path.parent)

    def _seal(self, last: bool) -> None:
        assert self._file is not None
        self._file.write(
            crypto_aead_xchacha20poly1305_ietf_encrypt(
                bytes(self._buffer),
                _associated(self._header, self._index, last),
                _nonce(self._prefix, self._index),
                self._key,
            )
        )
        self._index += 1
        self._buffer.clear()

    def _discard(self) -> None:
        file, self._file = self._file, None
        try:
            if file is not None:
                file.close()
        finally:
            self._temporary.unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    """Makes the new name itself durable: fsync on the file does not cover its folder entry."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _SealedRaw(io.RawIOBase):
    """The plaintext of a sealed file, read at any offset; keeps the last chunk it decrypted,
    since reads (a BufferedReader's, zipfile's) come in pieces smaller than a chunk."""

    def __init__(self, file: io.FileIO, key: bytes) -> None:
        super().__init__()
        self._file = file
        self._key = key
        self._position = 0
        try:
            self._read_layout()
        except BaseException:
            self.close()
            raise

    def _read_layout(self) -> None:
        length = os.fstat(self._file.fileno()).st_size
        header = self._file.read(HEADER_SIZE)
        if len(header) != HEADER_SIZE:
            raise SealedFileError()
        magic, version, chunk_size, prefix = _HEADER.unpack(header)
        if magic != MAGIC or version != VERSION or not 1 <= chunk_size <= MAX_CHUNK_SIZE:
            raise SealedFileError()
        self._header = header
        self._prefix = prefix
        self._chunk_size = chunk_size
        # The plaintext's length follows from the file's: full chunks, then a shorter last one
        # unless the file ends on a chunk's end.
        full, rest = divmod(length - HEADER_SIZE, chunk_size + TAG_SIZE)
        if rest == 0 and full > 0:
            self._count, last_size = full, chunk_size
        elif rest >= TAG_SIZE:
            self._count, last_size = full + 1, rest - TAG_SIZE
        else:
            raise SealedFileError()
        self.size = (self._count - 1) * chunk_size + last_size
        self._cached_index = -1
        self._cached = b""
        # Only the writer's own last chunk opens as the last one: a file cut short or extended
        # is refused here, before any of it is read.
        self._chunk(self._count - 1)

    def _chunk(self, index: int) -> bytes:
        if index != self._cached_index:
            last = index == self._count - 1
            plain_size = self.size - index * self._chunk_size if last else self._chunk_size
            self._file.seek(HEADER_SIZE + index * (self._chunk_size + TAG_SIZE))
            sealed = self._file.read(plain_size + TAG_SIZE)
            if len(sealed) != plain_size + TAG_SIZE:  # the file shrank since it was opened
                raise SealedFileError()
            try:
                self._cached = crypto_aead_xchacha20poly1305_ietf_decrypt(
                    sealed,
                    _associated(self._header, index, last),
                    _nonce(self._prefix, index),
                    self._key,
                )
            except nacl.exceptions.CryptoError:
                raise SealedFileError() from None
            self._cached_index = index
        return self._cached

    def _check_open(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file.")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def fileno(self) -> int:
        # The descriptor holds ciphertext: a library that reads through it (sendfile, mmap)
        # would send sealed bytes as if they were the plaintext.
        raise io.UnsupportedOperation("a sealed file has no plaintext file descriptor")

    def tell(self) -> int:
        self._check_open()
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._check_open()
        if whence == io.SEEK_SET:
            position = offset
        elif whence == io.SEEK_CUR:
            position = self._position + offset
        elif whence == io.SEEK_END:
            position = self.size + offset
        else:
            raise ValueError(f"invalid whence ({whence})")
        if position < 0:
            raise ValueError(f"negative seek position {position}")
        self._position = position
        return position

    def readinto(self, buffer: WriteableBuffer) -> int:
        """Reads up to the end of the current chunk, no further: a BufferedReader fills its
        buffer with one call, and reading on would decrypt chunks no one asked for. Longer
        reads through the BufferedReader call again."""
        self._check_open()
        if self._position >= self.size:
            return 0
        target = memoryview(buffer).cast("B")
        index, offset = divmod(self._position, self._chunk_size)
        plain = self._chunk(index)
        count = min(len(target), len(plain) - offset)
        target[:count] = plain[offset : offset + count]
        self._position += count
        return count

    def close(self) -> None:
        self._file.close()
        self._cached = b""
        super().close()


class SealedReader(io.BufferedReader):
    """A sealed file's plaintext, buffered; `size` is its length in bytes."""

    def __init__(self, raw: _SealedRaw) -> None:
        super().__init__(raw)
        self.size = raw.size


def open_sealed(path: StrPath, key: bytes) -> SealedReader:
    """The plaintext of the sealed file at `path`, readable and seekable.

    Raises SealedFileError if the header or the last chunk does not open under `key`; a read
    raises it for any other chunk that does not. `fileno()` raises io.UnsupportedOperation.
    """
    _check_key(key)
    return SealedReader(_SealedRaw(open(path, "rb", buffering=0), key))


def copy_range(
    reader: BinaryIO, start: int, length: int, block: int = 256 * 1024
) -> Iterator[bytes]:
    """`length` bytes of `reader` from `start`, in blocks of at most `block` bytes; fewer if the
    file ends first."""
    if start < 0 or length < 0 or block < 1:
        raise ValueError("start and length are at least 0, block at least 1")
    reader.seek(start)
    remaining = length
    while remaining:
        data = reader.read(min(block, remaining))
        if not data:
            return
        remaining -= len(data)
        yield data
