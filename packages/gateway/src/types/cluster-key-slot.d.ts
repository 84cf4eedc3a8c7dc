/** The Redis Cluster hash slot of a key (honours `{hash tags}`); the package ships no types. */
declare module 'cluster-key-slot' {
  export default function calculateSlot(key: string | Uint8Array): number;
}
