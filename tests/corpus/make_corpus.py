"""Writes the bad-input corpus. Each file is broken in one known way; the
corpus test in tests/e2e/corpus.rs says what the import must report for it.
Run with Pillow installed: python tests/corpus/make_corpus.py"""
import io
import os
import struct
import zlib

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write(rel, data):
    path = os.path.join(HERE, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def good_png():
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def good_jpeg():
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (30, 30, 200)).save(buf, "JPEG")
    return buf.getvalue()


png = good_png()
jpeg = good_jpeg()
write("images/good.png", png)
write("images/good.jpg", jpeg)
write("images/truncated.png", png[: len(png) // 2])
write("images/truncated.jpg", jpeg[: len(jpeg) // 2])
write("images/corrupt.jpg", jpeg[:20] + bytes(range(256)) * 4)
write("images/empty.png", b"")
write("images/text.png", b"this is a text file with a .png name\n")
# A valid PNG signature and IHDR that claim 100000 x 100000 pixels.
ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
# A few bytes of real pixel data follow, as in a decompression bomb.
idat = zlib.compress(bytes(1024))
write("images/huge.png", b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b""))

write("tables/bad_utf8.csv", b"id,name,size\na,ok,1\nb,caf\xe9,2\nc,fine,3\n")
write("tables/ragged.csv", b"id,name,size\na,x,1\nb,y\nc,z,3,extra\nd,w,4\n")
write("tables/bad.jsonl", b'{"id":"a","v":1}\n{"id":"b",\n[1,2]\n{"id":"c","v":\xff}\n{"id":"d","v":4}\n')

write("manifests/bad_json.manifest",
      b'{"source-ref":"../images/good.png"}\n{"source-ref":\n{"source-ref":"../images/good.jpg"} trailing\n')
write("manifests/escapes.manifest",
      b'{"source-ref":"../../corpus/images/good.png"}\n'
      b'{"source-ref":"../../../../../../etc/passwd"}\n'
      b'{"source-ref":"/etc/passwd"}\n'
      b'{"source-ref":"../images/good.jpg"}\n')
write("manifests/missing.manifest",
      b'{"source-ref":"../images/nope.png"}\n{"source-ref":"../images/good.png"}\n')

write("texts/sport/good.txt", "A late goal from the striker won the match.\n".encode())
write("texts/tech/good.txt", "The new chip runs twice as fast on half the power.\n".encode())
write("texts/tech/latin1.txt", "A caf\u00e9 review.\nThe cr\u00e8me br\u00fbl\u00e9e was fine.\n".encode("latin-1"))
write("texts/tech/empty.txt", b"")
write("manifests/texts.manifest",
      b'{"source":"A late goal won it."}\n'
      b'{"source":42}\n'
      b'{"source":"caf\xe9"}\n'
      b'{"source":"Rates rose again."}\n')
write("tables/texts.csv",
      b'id,body,stars\n'
      b'a,"A good, long review.",5\n'
      b'b,,3\n'
      b'c,"Terrible service.\nNever again.",1\n')
