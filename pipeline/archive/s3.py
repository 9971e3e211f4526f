"""An S3 bucket (MinIO or any S3-compatible server) as the archive, through the `minio` SDK.

`s3://BUCKET/PREFIX` names the bucket and a key prefix; endpoint and credentials come from
`S3Config.from_env()` (the `SOHOA_S3_*` variables) or a provider registered by the orchestration
layer (e.g. a Prefect Secret block — `pipeline` itself never imports Prefect).

Why it looks the way it does:
- An S3 PUT is atomic: an object appears whole when its upload (or CompleteMultipartUpload)
  finishes, never half. A failed multipart upload is aborted by the SDK.
- Files are streamed in parts of `part_size` bytes, one part at a time: the SDK's parallel mode
  queues parts without bound, so memory would grow with the file. Peak memory ≈ 2 × part_size.
- Every object carries its SHA-256 as user metadata (`x-amz-meta-sha256`) so `verify` can re-hash.
- The SDK refuses non-ASCII metadata values (Vietnamese file names, agency names): values that are
  not plain header-safe ASCII are stored as RFC 2231 `UTF-8''percent-encoded` and decoded on read.
- Errors name the endpoint, the bucket and the key — never the access key or the secret.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

import urllib3
from minio import Minio
from minio.error import InvalidResponseError, S3Error, ServerError

from pipeline.archive.base import Archive, ObjectInfo, sha256_file
from pipeline.errors import ArchiveConfigError, ArchiveError, ArchiveUnreachableError

MIN_PART_SIZE = 5 * 1024 * 1024  # the S3 minimum for all but the last part
_ENCODED_PREFIX = "UTF-8''"
_HEADER_SAFE = re.compile(r"^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$")
_META_KEY = re.compile(r"[^a-z0-9-]+")
_NOT_FOUND = {"NoSuchKey", "NoSuchObject", "ResourceNotFound", "NoSuchVersion"}
_AUTH = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
         "AccountProblem", "AllAccessDisabled"}


# -- configuration ---------------------------------------------------------------------------

@dataclass(frozen=True)
class S3Config:
    """Where the server is and how to talk to it. `repr` never shows the keys."""

    endpoint: str  # host[:port]
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    secure: bool = True
    region: str = "us-east-1"
    create_bucket: bool = True
    part_size: int = 16 * 1024 * 1024
    retries: int = 3
    connect_timeout: float = 10.0
    read_timeout: float = 300.0
    # Presigned URLs carry the signing access key *id* in their query (SigV4): sign them with a
    # separate read-only key pair when the URLs leave the building, optionally for a public host.
    presign_access_key: str | None = field(default=None, repr=False)
    presign_secret_key: str | None = field(default=None, repr=False)
    public_endpoint: str | None = None  # host[:port] browsers reach; default: endpoint

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> S3Config:
        """Read the `SOHOA_S3_*` variables (documented in docs/archive.md)."""
        e = os.environ if env is None else env
        raw = (e.get("SOHOA_S3_ENDPOINT") or "").strip()
        if not raw:
            raise ArchiveConfigError("SOHOA_S3_ENDPOINT is not set (e.g. minio.local:9000 or https://s3.example.vn)")
        secure = _flag(e.get("SOHOA_S3_SECURE"), default=True)
        if "://" in raw:
            parsed = urllib.parse.urlsplit(raw)
            if parsed.username or parsed.password:
                raise ArchiveConfigError("SOHOA_S3_ENDPOINT must not carry credentials; "
                                         "use SOHOA_S3_ACCESS_KEY and SOHOA_S3_SECRET_KEY")
            secure = parsed.scheme == "https" if e.get("SOHOA_S3_SECURE") is None else secure
            raw = parsed.netloc
        try:
            part_mb = float(e.get("SOHOA_S3_PART_SIZE_MB") or 16)
            retries = int(e.get("SOHOA_S3_RETRIES") or 3)
            connect_timeout = float(e.get("SOHOA_S3_CONNECT_TIMEOUT") or 10)
            read_timeout = float(e.get("SOHOA_S3_READ_TIMEOUT") or 300)
        except ValueError as exc:
            raise ArchiveConfigError(f"a numeric SOHOA_S3_* variable is not a number: {exc}") from None
        return cls(
            endpoint=raw.rstrip("/"),
            access_key=e.get("SOHOA_S3_ACCESS_KEY") or None,
            secret_key=e.get("SOHOA_S3_SECRET_KEY") or None,
            session_token=e.get("SOHOA_S3_SESSION_TOKEN") or None,
            secure=secure,
            region=e.get("SOHOA_S3_REGION") or "us-east-1",
            create_bucket=_flag(e.get("SOHOA_S3_CREATE_BUCKET"), default=True),
            part_size=max(MIN_PART_SIZE, int(part_mb * 1024 * 1024)),
            retries=max(0, retries),
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            presign_access_key=e.get("SOHOA_S3_PRESIGN_ACCESS_KEY") or None,
            presign_secret_key=e.get("SOHOA_S3_PRESIGN_SECRET_KEY") or None,
            public_endpoint=_host(e.get("SOHOA_S3_PUBLIC_ENDPOINT") or "") or None,
        )

    @property
    def url(self) -> str:
        return f"{'https' if self.secure else 'http'}://{self.endpoint}"


# The orchestration layer may supply credentials from a secret store (a Prefect Secret block):
# a callable returning an S3Config, or None to fall back to the environment.
_provider: Callable[[], S3Config | None] | None = None


def set_config_provider(provider: Callable[[], S3Config | None] | None) -> None:
    """Register where `S3Archive.from_uri` gets its config before trying the environment."""
    global _provider
    _provider = provider


def _host(value: str) -> str:
    value = value.strip().rstrip("/")
    return urllib.parse.urlsplit(value).netloc if "://" in value else value


def _flag(value: str | None, *, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


# -- metadata encoding ------------------------------------------------------------------------

def encode_meta_value(value: str) -> str:
    """Header-safe ASCII for any string; plain values pass unchanged, others become UTF-8''%XX."""
    if _HEADER_SAFE.match(value) and not value.startswith(_ENCODED_PREFIX):
        return value
    return _ENCODED_PREFIX + urllib.parse.quote(value, safe="")


def decode_meta_value(value: str) -> str:
    if value.startswith(_ENCODED_PREFIX):
        return urllib.parse.unquote(value[len(_ENCODED_PREFIX):])
    return value


def _meta_key(key: str) -> str:
    k = _META_KEY.sub("-", key.lower()).strip("-")
    if not k:
        raise ArchiveError(f"invalid metadata name {key!r}")
    return k


# -- the archive ------------------------------------------------------------------------------

class S3Archive(Archive):
    def __init__(self, bucket: str, prefix: str = "", config: S3Config | None = None) -> None:
        self.config = config or S3Config.from_env()
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.uri = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        c = self.config
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=c.connect_timeout, read=c.read_timeout),
            maxsize=16,
            retries=urllib3.Retry(total=c.retries, backoff_factor=0.5, status_forcelist=[500, 502, 503, 504],
                                  allowed_methods=None),
        )
        try:
            self.client = Minio(c.endpoint, access_key=c.access_key, secret_key=c.secret_key,
                                session_token=c.session_token, secure=c.secure, region=c.region, http_client=http)
        except ValueError as e:
            raise ArchiveConfigError(f"invalid S3 endpoint {c.endpoint!r}: {e}") from None
        self._bucket_ready = False
        self._lock = threading.Lock()
        self._signer = self.client
        if c.presign_access_key or c.public_endpoint:
            try:
                self._signer = Minio(c.public_endpoint or c.endpoint, access_key=c.presign_access_key or c.access_key,
                                     secret_key=c.presign_secret_key or c.secret_key, secure=c.secure,
                                     region=c.region, http_client=http)
            except ValueError as e:
                raise ArchiveConfigError(f"invalid public endpoint {c.public_endpoint!r}: {e}") from None

    @classmethod
    def from_uri(cls, uri: str, config: S3Config | None = None) -> S3Archive:
        parsed = urllib.parse.urlsplit(uri)
        if parsed.scheme != "s3" or not parsed.hostname:
            raise ArchiveConfigError("an S3 archive URI looks like s3://BUCKET/PREFIX")
        if "@" in parsed.netloc:
            raise ArchiveConfigError("the archive URI must not carry credentials; "
                                     "use SOHOA_S3_ACCESS_KEY and SOHOA_S3_SECRET_KEY")
        if config is None and _provider is not None:
            config = _provider()
        return cls(parsed.netloc, parsed.path, config)

    def __repr__(self) -> str:
        return f"S3Archive({self.uri!r}, endpoint={self.config.url!r})"

    # -- keys and errors ------------------------------------------------------------------
    def _name(self, key: str) -> str:
        parts = key.split("/")
        if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise ArchiveError(f"invalid key {key!r}")
        return f"{self.prefix}/{key}" if self.prefix else key

    def _key(self, name: str) -> str:
        return name[len(self.prefix) + 1:] if self.prefix else name

    def _fail(self, op: str, key: str, exc: BaseException) -> NoReturn:
        """Raise the typed error for `exc`; the message names endpoint/bucket/key, never credentials."""
        where = f"{self.config.url} (bucket {self.bucket})"
        if isinstance(exc, S3Error):
            if exc.code in _AUTH:
                raise ArchiveUnreachableError(f"{self.config.url} (bucket {self.bucket}, {op} {key}: "
                                              f"{exc.code})") from None
            if exc.code == "NoSuchBucket":
                raise ArchiveError(f"bucket {self.bucket!r} does not exist at {self.config.url}: create it or "
                                   "set SOHOA_S3_CREATE_BUCKET=1") from None
            raise ArchiveError(f"{op} {key} at {where}: {exc.code}: {exc.message}") from None
        if isinstance(exc, ServerError | InvalidResponseError):
            raise ArchiveUnreachableError(f"{self.config.url} (bucket {self.bucket}, {op} {key}: server error "
                                          f"HTTP {getattr(exc, 'status_code', '?')})") from None
        if isinstance(exc, urllib3.exceptions.HTTPError | ConnectionError | TimeoutError):
            raise ArchiveUnreachableError(f"{self.config.url} (bucket {self.bucket}, {op} {key}: "
                                          f"{_reason(exc)})") from exc
        raise exc

    def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        with self._lock:
            if self._bucket_ready:
                return
            try:
                exists = self.client.bucket_exists(self.bucket)
                if not exists:
                    if not self.config.create_bucket:
                        raise ArchiveError(f"bucket {self.bucket!r} does not exist at {self.config.url}: "
                                           "create it or set SOHOA_S3_CREATE_BUCKET=1")
                    try:
                        self.client.make_bucket(self.bucket, location=self.config.region)
                    except S3Error as e:
                        if e.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                            raise
            except ArchiveError:
                raise
            except Exception as e:
                self._fail("create bucket", "", e)
            self._bucket_ready = True

    def _metadata(self, metadata: dict[str, str] | None, sha256: str) -> dict[str, str]:
        out = {_meta_key(k): encode_meta_value(str(v)) for k, v in (metadata or {}).items()}
        out["sha256"] = sha256
        return out

    # -- primitives ---------------------------------------------------------------------
    def put_file(self, key: str, path: Path, *, content_type: str, metadata: dict[str, str] | None = None,
                 sha256: str | None = None) -> ObjectInfo:
        name = self._name(key)
        try:
            size = path.stat().st_size
            digest = sha256 or sha256_file(path)
        except OSError as e:
            raise ArchiveError(f"cannot read {path.name} to upload it: {e.strerror or e}") from e
        existing = self.stat(key)
        if existing is not None and existing.sha256 == digest and existing.size == size:
            return existing  # idempotent: the same bytes are already there
        self._ensure_bucket()
        meta = self._metadata(metadata, digest)
        try:
            with path.open("rb") as f:
                self.client.put_object(self.bucket, name, f, length=size, content_type=content_type,
                                       metadata=meta, part_size=self.config.part_size, num_parallel_uploads=1)
        except OSError as e:
            if not isinstance(e, ConnectionError | TimeoutError):
                raise ArchiveError(f"cannot read {path.name} while uploading it: {e.strerror or e}") from e
            self._fail("put", key, e)
        except Exception as e:
            self._fail("put", key, e)
        return ObjectInfo(key, size, digest, content_type, dict(metadata or {}))

    def put_bytes(self, key: str, data: bytes, *, content_type: str,
                  metadata: dict[str, str] | None = None) -> ObjectInfo:
        name = self._name(key)
        digest = hashlib.sha256(data).hexdigest()
        self._ensure_bucket()
        try:
            self.client.put_object(self.bucket, name, io.BytesIO(data), length=len(data), content_type=content_type,
                                   metadata=self._metadata(metadata, digest), part_size=self.config.part_size,
                                   num_parallel_uploads=1)
        except Exception as e:
            self._fail("put", key, e)
        return ObjectInfo(key, len(data), digest, content_type, dict(metadata or {}))

    def open(self, key: str) -> BinaryIO:
        try:
            resp = self.client.get_object(self.bucket, self._name(key))
        except S3Error as e:
            if e.code in _NOT_FOUND | {"NoSuchBucket"}:  # a bucket not yet created holds nothing
                raise FileNotFoundError(key) from None
            self._fail("get", key, e)
        except Exception as e:
            self._fail("get", key, e)
        return _Stream(resp, lambda exc: self._fail("read", key, exc))  # type: ignore[return-value]

    def stat(self, key: str) -> ObjectInfo | None:
        try:
            st = self.client.stat_object(self.bucket, self._name(key))
        except S3Error as e:
            if e.code in _NOT_FOUND | {"NoSuchBucket"}:
                return None
            self._fail("stat", key, e)
        except Exception as e:
            self._fail("stat", key, e)
        user: dict[str, str] = {}
        for k, v in (st.metadata or {}).items():
            lk = k.lower()
            if lk.startswith("x-amz-meta-"):
                user[lk[len("x-amz-meta-"):]] = decode_meta_value(v)
        sha = user.pop("sha256", None)
        return ObjectInfo(key, int(st.size or 0), sha, st.content_type, user)

    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys under `prefix` in S3's (UTF-8 byte = code point) order, streamed page by page."""
        full = f"{self.prefix}/{prefix}" if self.prefix else prefix
        try:
            for obj in self.client.list_objects(self.bucket, prefix=full, recursive=True):
                if obj.object_name and not obj.is_dir:
                    yield self._key(obj.object_name)
        except S3Error as e:
            if e.code == "NoSuchBucket":
                return  # nothing stored yet
            self._fail("list", prefix, e)
        except Exception as e:
            self._fail("list", prefix, e)

    def delete(self, key: str) -> None:
        try:
            self.client.remove_object(self.bucket, self._name(key))
        except S3Error as e:
            if e.code in _NOT_FOUND | {"NoSuchBucket"}:
                return
            self._fail("delete", key, e)
        except Exception as e:
            self._fail("delete", key, e)

    def presigned_url(self, key: str, expires_seconds: int = 3600) -> str:
        try:
            return self._signer.presigned_get_object(self.bucket, self._name(key),
                                                    expires=timedelta(seconds=expires_seconds))
        except Exception as e:
            self._fail("presign", key, e)

    def close(self) -> None:
        self.client._http.clear()  # the SDK has no public close; this drops pooled connections


class _Stream(io.RawIOBase):
    """A body stream that maps network failures to ArchiveUnreachableError and frees its connection."""

    def __init__(self, resp: Any, on_error: Callable[[BaseException], NoReturn]) -> None:
        self._resp = resp
        self._on_error = on_error

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        try:
            data: bytes = self._resp.read(None if size is None or size < 0 else size)
            return data
        except (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError) as e:
            self._on_error(e)

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            try:
                self._resp.close()
                self._resp.release_conn()
            finally:
                super().close()


def _reason(exc: BaseException) -> str:
    """A short cause ('connection refused', 'timed out') without URLs, headers or arguments."""
    inner: BaseException | None = getattr(exc, "reason", None) or exc.__cause__ or exc
    text = str(inner).lower()
    for needle, label in (("refused", "connection refused"), ("timed out", "timed out"),
                          ("name or service not known", "host name not found"),
                          ("nodename nor servname", "host name not found"), ("reset", "connection reset"),
                          ("certificate", "TLS certificate problem"), ("ssl", "TLS problem"),
                          ("remote end closed", "connection closed by the server"),
                          ("protocol", "connection broken")):
        if needle in text:
            return label
    return type(inner).__name__
