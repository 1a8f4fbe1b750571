/**
 * Container image references: every image is pinned to a version tag or a digest.
 * `latest`, an empty tag and untagged references never reach a manifest.
 */

const REPOSITORY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Why `tag` cannot be deployed, or undefined when it can. */
export function tagProblem(tag: string): string | undefined {
  if (tag === '') {
    return 'the tag is empty';
  }
  if (tag.toLowerCase() === 'latest') {
    return '"latest" is not a release: pin a version tag';
  }
  if (!TAG.test(tag)) {
    return 'a tag is 1-128 letters, digits, "_", "." or "-" and does not start with "." or "-"';
  }
  return undefined;
}

/** Why `digest` is not a sha256 image digest, or undefined when it is. */
export function digestProblem(digest: string): string | undefined {
  return DIGEST.test(digest) ? undefined : 'a digest is sha256: followed by 64 lower-case hex digits';
}

/** Why `repository` is not an image repository (no tag), or undefined when it is. */
export function repositoryProblem(repository: string): string | undefined {
  if (!REPOSITORY.test(repository)) {
    return 'an image repository is lower-case path components such as ghcr.io/easyflow/easyflow, without a tag';
  }
  const port = /^[^/]*:(\d+)/.exec(repository)?.[1];
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65535)
    ? undefined
    : `the registry port ${port} is not a port (1-65535)`;
}

/** Why `reference` (repository:tag, optionally @sha256:...) is not a pinned image, or undefined. */
export function pinnedImageProblem(reference: string): string | undefined {
  const [nameAndTag, digest, ...rest] = reference.split('@');
  if (rest.length > 0 || nameAndTag === undefined) {
    return 'an image reference has at most one "@"';
  }
  if (digest !== undefined && digestProblem(digest)) {
    return digestProblem(digest);
  }
  const slash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.lastIndexOf(':');
  if (colon <= slash) {
    return digest === undefined ? 'the image has no tag: pin a version tag such as :15.10-alpine' : undefined;
  }
  return repositoryProblem(nameAndTag.slice(0, colon)) ?? tagProblem(nameAndTag.slice(colon + 1));
}

/** `repository:tag`, or `repository:tag@digest` when a digest is given. */
export function imageReference(repository: string, tag: string, digest?: string): string {
  return digest ? `${repository}:${tag}@${digest}` : `${repository}:${tag}`;
}

/** Throws `<where>: <field> "<reference>" is not pinned: ...` unless `reference` is a pinned image. */
export function assertPinned(where: string, reference: string, field = 'image'): void {
  const problem = pinnedImageProblem(reference);
  if (problem) {
    throw new Error(`${where}: ${field} "${reference}" is not pinned: ${problem}`);
  }
}
