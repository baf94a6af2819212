import { ApiError } from "./client.ts";
import type { UploadUrl } from "./endpoints.ts";

/**
 * Step 2 of an upload: the bytes go straight to the presigned URL (the object store, or the
 * gateway's `/blobs/` in embedded mode) with exactly the headers it was signed with. It is
 * XMLHttpRequest, not fetch, because only XHR reports upload progress. No cookie or CSRF header
 * is needed: the URL's signature is the authorization.
 */
export function putFile(
  target: Pick<UploadUrl, "upload_url" | "method" | "headers">,
  body: Blob,
  o: { onProgress?: (fraction: number) => void; signal?: AbortSignal } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const cancelled = () => new DOMException("The upload was cancelled", "AbortError");
    if (o.signal?.aborted) return reject(cancelled());
    const xhr = new XMLHttpRequest();
    const abort = () => xhr.abort();
    const done = () => o.signal?.removeEventListener("abort", abort);
    xhr.open(target.method, target.upload_url);
    for (const [name, value] of Object.entries(target.headers)) {
      // Content-Length and Host are the browser's to set; it ignores them, so skip them here.
      if (!/^(content-length|host)$/i.test(name)) xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) o.onProgress?.(e.loaded / e.total);
    };
    xhr.onload = () => {
      done();
      if (xhr.status >= 200 && xhr.status < 300) {
        o.onProgress?.(1);
        return resolve();
      }
      reject(errorOf(xhr));
    };
    xhr.onerror = () => {
      done();
      reject(new ApiError(0, "network_error", "The upload was interrupted"));
    };
    xhr.onabort = () => {
      done();
      reject(cancelled());
    };
    o.signal?.addEventListener("abort", abort);
    xhr.send(body);
  });
}

/** The store's refusal as an ApiError: our JSON error shape, or S3's XML `<Message>`. */
function errorOf(xhr: XMLHttpRequest): ApiError {
  const text = xhr.responseText ?? "";
  let code = `http_${xhr.status}`;
  let message = `The upload was refused (HTTP ${xhr.status})`;
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.message) message = body.error.message;
    if (body.error?.code) code = body.error.code;
  } catch {
    const m = /<Message>([^<]*)<\/Message>/.exec(text);
    if (m?.[1]) message = m[1];
    const c = /<Code>([^<]*)<\/Code>/.exec(text);
    if (c?.[1]) code = c[1];
  }
  return new ApiError(xhr.status, code, message);
}
