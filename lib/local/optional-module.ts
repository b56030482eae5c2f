/**
 * Loads a module of this repository that may not exist in this build (the local stack is assembled
 * from pieces written in parallel). Returns undefined only when that module itself is missing; any
 * other load error (a syntax error, a failing import inside it) is thrown.
 */
export async function optionalModule<T>(relativeToLocal: string): Promise<T | undefined> {
  const url = new URL(relativeToLocal, import.meta.url).href;
  try {
    return (await import(url)) as T;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = error instanceof Error ? error.message : '';
    const file = relativeToLocal.split('/').at(-1) ?? relativeToLocal;
    if (code === 'ERR_MODULE_NOT_FOUND' && message.includes(file)) return undefined;
    throw error;
  }
}
