/* frontend.c -- front-end settings <-> model-file attributes (see frontend.h). */
#include "codecs/frontend.h"

void codec_frontend_default(codec_melspec_config *c)
{
    codec_melspec_config_default(c);
    c->normalize = 1;
}

base_status codec_frontend_to_model(const codec_melspec_config *c, codec_model *m, base_err *err)
{
    base_status st = codec_model_set_int(m, "frontend.sample_rate", c->sample_rate, err);
    if (!st) st = codec_model_set_int(m, "frontend.win_length", c->win_length, err);
    if (!st) st = codec_model_set_int(m, "frontend.hop_length", c->hop_length, err);
    if (!st) st = codec_model_set_int(m, "frontend.n_fft", c->n_fft, err);
    if (!st) st = codec_model_set_int(m, "frontend.n_mels", c->n_mels, err);
    if (!st) st = codec_model_set_double(m, "frontend.f_min", c->f_min, err);
    if (!st) st = codec_model_set_double(m, "frontend.f_max", c->f_max, err);
    if (!st) st = codec_model_set_double(m, "frontend.log_floor", c->log_floor, err);
    if (!st) st = codec_model_set_int(m, "frontend.normalize", c->normalize, err);
    return st;
}

base_status codec_frontend_from_model(const codec_model *m, codec_melspec_config *c, base_err *err)
{
    /* each field bounded by what the front-end can honour, given the ones
     * before it: a frame of at least 1 ms (and 16 samples) that fits the FFT,
     * a hop within the frame, no more mel bands than FFT bins */
    int64_t v[6] = {0};
    base_status st = codec_model_get_int(m, "frontend.sample_rate", 4000, 384000, &v[0], err);
    if (!st) st = codec_model_get_int(m, "frontend.n_fft", 16, 1 << 17, &v[3], err);
    int64_t win_min = v[0] / 1000 > 16 ? v[0] / 1000 : 16;
    if (!st) st = codec_model_get_int(m, "frontend.win_length", win_min, v[3], &v[1], err);
    if (!st) st = codec_model_get_int(m, "frontend.hop_length", 1, v[1], &v[2], err);
    if (!st) st = codec_model_get_int(m, "frontend.n_mels", 1, v[3] / 2 + 1, &v[4], err);
    if (!st) st = codec_model_get_int(m, "frontend.normalize", 0, 1, &v[5], err);
    double f_min = 0, f_max = 0, floor_ = 0;
    if (!st) st = codec_model_get_double(m, "frontend.f_min", 0, 1e6, &f_min, err);
    if (!st) st = codec_model_get_double(m, "frontend.f_max", 0, 1e6, &f_max, err);
    if (!st) st = codec_model_get_double(m, "frontend.log_floor", 1e-38, 1e6, &floor_, err);
    if (st) return st;
    codec_melspec_config_default(c);
    c->sample_rate = (int)v[0];
    c->win_length = (int)v[1];
    c->hop_length = (int)v[2];
    c->n_fft = (int)v[3];
    c->n_mels = (int)v[4];
    c->normalize = (int)v[5];
    c->f_min = f_min;
    c->f_max = f_max;
    c->log_floor = floor_;
    return BASE_OK;
}
