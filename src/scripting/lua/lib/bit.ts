// The `bit` library as Redis bundles it (LuaBitOp semantics): every operation works on 32-bit
// two's complement integers and returns one. Numbers are brought to 32 bits the way LuaBitOp
// does it: the double is added to 2^52 + 2^51 and the low 32 bits of the sum's representation
// are taken, so fractions round to nearest even and huge numbers keep their low bits.
import { LuaFunction, LuaTable, type LuaResults, type LuaValue } from '../value.js';
import { checkNumber } from './args.js';

const f64 = new Float64Array(1);
const i32 = new Int32Array(f64.buffer);
const LOW = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f ? 0 : 1; // index of the low word

/** LuaBitOp's normalisation of a number to a signed 32-bit integer. */
export function tobit(n: number): number {
  f64[0] = n + 6755399441055744; // 2^52 + 2^51
  return i32[LOW]!;
}

function bitArg(args: LuaValue[], i: number, fname: string): number {
  return tobit(checkNumber(args, i, fname));
}

export function bitLibrary(): LuaTable {
  const t = new LuaTable();
  const def = (name: string, fn: (args: LuaValue[]) => number | string): void => {
    t.set(name, LuaFunction.native(name, (args): LuaResults => [fn(args)]));
  };
  def('tobit', (a) => bitArg(a, 0, 'tobit'));
  def('bnot', (a) => ~bitArg(a, 0, 'bnot'));
  const fold = (name: string, op: (x: number, y: number) => number): void =>
    def(name, (a) => {
      let r = bitArg(a, 0, name);
      for (let i = 1; i < a.length; i++) r = op(r, bitArg(a, i, name));
      return r;
    });
  fold('band', (x, y) => x & y);
  fold('bor', (x, y) => x | y);
  fold('bxor', (x, y) => x ^ y);
  const shift = (name: string, op: (x: number, n: number) => number): void =>
    def(name, (a) => {
      const x = bitArg(a, 0, name);
      return op(x, bitArg(a, 1, name) & 31) | 0;
    });
  shift('lshift', (x, n) => x << n);
  shift('rshift', (x, n) => x >>> n);
  shift('arshift', (x, n) => x >> n);
  shift('rol', (x, n) => (x << n) | (x >>> (32 - n)));
  shift('ror', (x, n) => (x >>> n) | (x << (32 - n)));
  def('bswap', (a) => {
    const x = bitArg(a, 0, 'bswap');
    return ((x << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) | 0;
  });
  def('tohex', (a) => {
    const x = bitArg(a, 0, 'tohex');
    let n = a[1] === undefined ? 8 : bitArg(a, 1, 'tohex');
    let digits = '0123456789abcdef';
    if (n < 0) {
      n = -n;
      digits = '0123456789ABCDEF';
    }
    if (n > 8) n = 8;
    let s = '';
    for (let i = n - 1; i >= 0; i--) s += digits[(x >>> (4 * i)) & 15];
    return s;
  });
  return t;
}
