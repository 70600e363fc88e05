"""The object store: documents' files in an S3-compatible store (S3Proxy locally, MinIO in compose, S3 in production).

Reached through the S3 API only (boto3). Keys are chosen by the platform, never by a user
(`<tenant_id>/documents/<document_id>/v<version>`), so a key names exactly one tenant's object and a
presigned URL, whose signature covers the key, opens that object and no other. boto3 is synchronous:
async callers run these methods in a thread (`asyncio.to_thread`).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import IO, Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from wellwon.config import Settings, settings

CHUNK = 256 * 1024


class ObjectStore:
    def __init__(self, config: Settings) -> None:
        config.require_object_store()
        self.bucket = config.s3_bucket
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=config.s3_url,
            aws_access_key_id=config.s3_access_key,
            aws_secret_access_key=config.s3_secret_key,
            region_name=config.s3_region,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                # Newer botocore sends checksum headers S3Proxy does not implement: only when an operation needs them.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )

    def ensure_bucket(self) -> None:
        """Create the bucket unless it exists (idempotent; `wellwon migrate` and the test sessions call it)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            try:
                self.client.create_bucket(Bucket=self.bucket)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") not in (
                    "BucketAlreadyOwnedByYou",
                    "BucketAlreadyExists",
                ):
                    raise

    def put(self, key: str, data: bytes | IO[bytes], content_type: str) -> None:
        """Store bytes or a readable file (streamed; multipart when large)."""
        if isinstance(data, bytes):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)
        else:
            self.client.upload_fileobj(data, self.bucket, key, ExtraArgs={"ContentType": content_type})

    def get(self, key: str) -> bytes:
        body: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return body

    def chunks(self, key: str) -> Iterator[bytes]:
        """The object's content, a chunk at a time (for a streamed download)."""
        body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
            return True
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def presigned_get(self, key: str, expires: int = 300) -> str:
        """A URL that reads this one object for `expires` seconds, without credentials."""
        url: str = self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires
        )
        return url

    def presigned_put(self, key: str, content_type: str, expires: int = 300) -> str:
        """A URL that writes this one object (with this content type) for `expires` seconds."""
        url: str = self.client.generate_presigned_url(
            "put_object", Params={"Bucket": self.bucket, "Key": key, "ContentType": content_type}, ExpiresIn=expires
        )
        return url


@lru_cache(maxsize=4)
def object_store(config: Settings | None = None) -> ObjectStore:
    """One client per settings (boto3 clients are thread-safe)."""
    return ObjectStore(config or settings())
