import urllib.request
import uuid


def test_put_get_and_presigned_url(s3_client, stack_settings):
    bucket, key = stack_settings.s3_bucket, f"test/{uuid.uuid4().hex}.txt"
    s3_client.put_object(Bucket=bucket, Key=key, Body=b"media bytes", ContentType="text/plain")
    obj = s3_client.get_object(Bucket=bucket, Key=key)
    assert obj["Body"].read() == b"media bytes"
    assert obj["ContentType"] == "text/plain"

    url = s3_client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=60)
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.read() == b"media bytes"

    s3_client.delete_object(Bucket=bucket, Key=key)
