from __future__ import annotations

from django import forms

from fupin.core.forms import BootstrapMixin

from .models import ImportBatch

MAX_UPLOAD_MB = 300


class UploadForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label="文件", help_text="本系统模板或国家系统导出的文件，.xlsx或.csv（UTF-8或GBK）")
    format = forms.ChoiceField(label="文件内容", choices=ImportBatch.Format.choices, initial=ImportBatch.Format.AUTO,
                               help_text="一般不必选择：系统按表头识别")
    income_year = forms.IntegerField(label="收入年度", min_value=2013, max_value=2100,
                                     help_text="文件中的收入所属年度（文件有“收入年度”列时以该列为准）")

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(f"文件过大（{f.size // 1024 // 1024} MB），上限为{MAX_UPLOAD_MB} MB")
        if not f.name.lower().endswith((".xlsx", ".xlsm", ".csv", ".txt")):
            raise forms.ValidationError("请上传.xlsx或.csv文件（旧版.xls请先另存为.xlsx）")
        return f


class ConfirmForm(forms.Form):
    skip_bad_rows = forms.BooleanField(label="跳过有错误的户，导入其余各户", required=False)
