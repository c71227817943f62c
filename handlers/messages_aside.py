"""Texts of the follow-up questions and of the formal-identity lane (merged into the catalogue).

Kept apart from ``handlers.messages`` so the two flows can grow without touching the main
catalogue; ``handlers.messages`` merges them into ``CATALOGUE``. Same rules: plain text, no
``*``, Indonesian first. No text ever repeats an identity value the reporter typed.
"""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # --- follow-up questions from the handling office ---------------------------------------
    "followup_question": (
        "Pertanyaan dari petugas Bawaslu tentang laporan {code}:\n\n“{question}”\n\n"
        "Balas pesan ini dengan jawaban Anda: teks, foto, dokumen, rekaman suara, atau tautan. "
        "Petugas tidak mengetahui siapa Anda; jangan tulis nama Anda dalam jawaban. Bila tidak "
        'ingin menjawab, pilih "Lewati pertanyaan" atau ketik /batal.',
        "A question from the Bawaslu officer about report {code}:\n\n“{question}”\n\n"
        "Reply to this message with your answer: text, photos, documents, voice notes, or "
        "links. The officer does not know who you are; do not write your name in the answer. "
        'If you do not want to answer, choose "Skip question" or type /batal.',
    ),
    "followup_draft_kept": (
        "Draf laporan yang sedang Anda isi tetap tersimpan; setelah menjawab Anda kembali ke sana.",
        "The draft you were writing is kept; after answering you will return to it.",
    ),
    "choice_skip_question": ("Lewati pertanyaan", "Skip question"),
    "followup_received": (
        "Jawaban untuk laporan {code} sudah diteruskan ke petugas. Kirim lagi bila ada "
        'tambahan (teks, foto, dokumen, tautan), atau pilih "Selesai".',
        "Your answer on report {code} was passed to the officer. Send more if you have "
        'anything to add (text, photos, documents, links), or choose "Done".',
    ),
    "followup_more": (
        "Anda sedang menjawab pertanyaan tentang laporan {code}. Kirim tambahan, atau pilih "
        '"Selesai".',
        'You are answering a question about report {code}. Send more, or choose "Done".',
    ),
    "followup_not_understood": (
        "Pesan itu kosong. Kirim jawaban berupa teks, foto, dokumen, atau tautan.",
        "That message was empty. Send your answer as text, a photo, a document, or a link.",
    ),
    "followup_location": (
        "Lokasi tidak bisa dilampirkan sebagai jawaban. Tulis nama tempatnya sebagai teks.",
        "A location cannot be attached as an answer. Write the name of the place as text.",
    ),
    "followup_thanks": (
        "Terima kasih. Jawaban Anda tentang laporan {code} sudah diterima petugas.",
        "Thank you. The officer has your answer about report {code}.",
    ),
    "followup_skipped": (
        "Pertanyaan tentang laporan {code} dilewati. Petugas hanya diberi tahu bahwa Anda "
        "tidak menjawab.",
        "The question about report {code} was skipped. The officer is only told that you did "
        "not answer.",
    ),
    "followup_closed": (
        "Pertanyaan petugas sebelumnya sudah ditutup; jawaban Anda tadi sudah tersimpan.",
        "The officer's earlier question is now closed; the answers you sent were kept.",
    ),
    "followup_back_to_draft": (
        "Kembali ke draf laporan Anda:",
        "Back to your draft report:",
    ),
    # --- the formal-identity lane -------------------------------------------------------------
    "identity_offer": (
        "Laporan Anda kini diproses sebagai informasi awal (tanpa identitas): Bawaslu dapat "
        "menyelidikinya dan menjadikannya temuan sendiri. Laporan resmi menuntut lebih: "
        "formulir laporan yang Anda tanda tangani, data KTP (nama, NIK, alamat) dan nomor "
        "telepon, kesediaan dimintai klarifikasi oleh Bawaslu, dan terlapor dapat mengetahui "
        "siapa pelapornya. Laporan resmi harus masuk paling lambat {days} hari sejak Anda "
        "mengetahui kejadiannya.\n\n"
        "Bila Anda melampirkannya, identitas disegel (dienkripsi) untuk {office}: hanya "
        "pemegang kata sandi kantor itu yang dapat membukanya, dan setiap pembukaan dicatat. "
        "Pengelola Netra tidak dapat membacanya. Petugas yang membukanya akan mengetahui siapa "
        "Anda, jadi pertimbangkan risikonya.\n\n"
        "Lampirkan identitas untuk laporan resmi?",
        "Your report is now handled as initial information (without identity): Bawaslu can "
        "investigate it and make it its own finding. A formal report takes more: a report form "
        "you sign, your identity card details (name, NIK, address) and phone number, being "
        "available for a clarification interview with Bawaslu, and the reported person may "
        "learn who reported. A formal report must arrive within {days} days of when you "
        "learned of the incident.\n\n"
        "If you attach it, your identity is sealed (encrypted) to {office}: only the holder "
        "of that office's passphrase can open it, and every opening is logged. Netra's "
        "operators cannot read it. The officer who opens it will know who you are, so weigh "
        "the risk.\n\n"
        "Attach your identity for a formal report?",
    ),
    "choice_stay_anonymous": ("Tidak, tetap anonim", "No, stay anonymous"),
    "choice_attach_identity": ("Ya, lampirkan identitas", "Yes, attach my identity"),
    "identity_offer_reask": (
        'Pilih "Tidak, tetap anonim" atau "Ya, lampirkan identitas".',
        'Choose "No, stay anonymous" or "Yes, attach my identity".',
    ),
    "identity_unavailable": (
        "Laporan {code} diproses sebagai informasi awal (tanpa identitas). Kantor Bawaslu "
        "yang menanganinya belum dapat menerima identitas tersegel lewat Netra. Bila Anda "
        "ingin membuat laporan resmi dengan identitas, datangi kantor Bawaslu tersebut atau "
        "gunakan kanal resminya dan sebutkan kode laporan ini.",
        "Report {code} is handled as initial information (without identity). The Bawaslu "
        "office handling it cannot yet receive sealed identities through Netra. If you want "
        "to make a formal report with your identity, visit that office or use its official "
        "channel and mention this report code.",
    ),
    "identity_declined": (
        "Baik. Laporan Anda tetap anonim sebagai informasi awal; tidak ada identitas yang "
        "disimpan.",
        "All right. Your report stays anonymous as initial information; no identity was kept.",
    ),
    "identity_lapsed": (
        "Pengisian identitas dihentikan karena lama tidak dilanjutkan; tidak ada yang "
        "disimpan. Laporan Anda tetap sebagai informasi awal.",
        "Giving your identity was stopped because it was not continued; nothing was kept. "
        "Your report stays initial information.",
    ),
    "ask_identity_name": (
        "Identitas 1/4. Nama lengkap sesuai KTP.",
        "Identity 1/4. Your full name as on your ID card (KTP).",
    ),
    "bad_identity_name": (
        "Tulis nama lengkap Anda (paling banyak {limit} karakter), atau /batal untuk tetap anonim.",
        "Write your full name (at most {limit} characters), or /batal to stay anonymous.",
    ),
    "ask_identity_nik": (
        "Identitas 2/4. NIK (16 angka pada KTP).",
        "Identity 2/4. Your NIK (the 16-digit number on your KTP).",
    ),
    "bad_identity_nik": (
        "NIK harus 16 angka seperti tertulis di KTP. Periksa lalu tulis ulang, atau /batal.",
        "A NIK has 16 digits as printed on the KTP. Check it and type it again, or /batal.",
    ),
    "ask_identity_address": (
        "Identitas 3/4. Alamat tempat tinggal (jalan, RT/RW, kelurahan/desa, kecamatan, "
        "kabupaten/kota).",
        "Identity 3/4. Your home address (street, RT/RW, village, district, regency/city).",
    ),
    "bad_identity_address": (
        "Alamat harus {minimum} sampai {limit} karakter. Tulis ulang, atau /batal.",
        "The address must be {minimum} to {limit} characters. Type it again, or /batal.",
    ),
    "ask_identity_phone": (
        "Identitas 4/4. Nomor telepon yang dapat dihubungi Bawaslu (contoh: 0812 3456 7890).",
        "Identity 4/4. A phone number Bawaslu can call (e.g. 0812 3456 7890).",
    ),
    "bad_identity_phone": (
        "Nomor telepon tidak terbaca. Tulis seperti 081234567890 atau +6281234567890, atau /batal.",
        "That phone number could not be read. Write it like 081234567890 or +6281234567890, "
        "or /batal.",
    ),
    "identity_confirm": (
        "Identitas Anda siap disegel untuk {office}. Netra tidak menampilkannya kembali di "
        "sini; periksa pesan Anda di atas. Segel dan lampirkan sekarang?",
        "Your identity is ready to be sealed to {office}. Netra does not show it back here; "
        "check your messages above. Seal and attach it now?",
    ),
    "choice_seal_identity": ("Segel dan lampirkan", "Seal and attach"),
    "choice_identity_again": ("Isi ulang", "Start again"),
    "identity_confirm_reask": (
        'Pilih "Segel dan lampirkan", "Isi ulang", atau "Tidak, tetap anonim".',
        'Choose "Seal and attach", "Start again", or "No, stay anonymous".',
    ),
    "identity_sealed": (
        "Identitas Anda sudah disegel dan dilampirkan pada laporan {code} untuk {office}. "
        "Setiap pembukaan oleh petugas dicatat. Sebaiknya hapus pesan berisi NIK dan alamat "
        "Anda dari percakapan ini.",
        "Your identity is sealed and attached to report {code} for {office}. Every opening by "
        "an officer is logged. You may want to delete the messages with your NIK and address "
        "from this chat.",
    ),
    "identity_failed": (
        "Maaf, identitas tidak dapat dilampirkan (kunci kantor berubah). Laporan Anda tetap "
        "sebagai informasi awal; tidak ada identitas yang disimpan.",
        "Sorry, the identity could not be attached (the office's key changed). Your report "
        "stays initial information; no identity was kept.",
    ),
}
