/** The Image Search wire protocol: signing and verification, and an HTTP server for any Engine. */
export {
  createWireHandler,
  API_VERSION,
  WIRE_ACTIONS,
  type WireHandler,
  type WireHandlerOptions,
  type WireKeyLookup,
  writeLimitsLikeCloud,
  type WriteAction,
} from './server'
export {
  createKeyStore,
  maskSecret,
  type AccessKeyInfo,
  type CreatedAccessKey,
  type KeyStore,
} from './keys'
export {
  ACS3_ALGORITHM,
  acs3CanonicalRequest,
  acs3StringToSign,
  acs3Signature,
  parseAcs3Authorization,
  signAcs3,
  sha256Hex,
} from './acs3'
export { rpcStringToSign, rpcSignature, signRpcV1 } from './rpc-v1'
export { percentEncode, canonicalQuery, toFormString, parsePairs } from './encode'
export { loadPicContent, isLoopbackAddress, type PicFetchOptions } from './pic-content'
export { serviceTypeFromWire, serviceTypeToWire, CAPACITY_UNIT } from './envelopes'
